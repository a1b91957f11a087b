"""Data of the Amazon SP-API sandbox: sellers and their LWA credentials, usage-plan buckets,
listings, orders, reports, feeds and documents.

Money is ``Decimal`` rupees (GST-inclusive, two places); timestamps are aware UTC datetimes with
whole seconds. These tables belong to the simulator only; the hub never reads them.
"""

from __future__ import annotations

from sandbox.amazon.models.catalog import SandboxAmazonListing
from sandbox.amazon.models.jobs import (
    DocumentKind,
    ProcessingStatus,
    SandboxAmazonDocument,
    SandboxAmazonFeed,
    SandboxAmazonReport,
)
from sandbox.amazon.models.orders import SandboxAmazonOrder, SandboxAmazonOrderItem
from sandbox.amazon.models.seller import (
    SandboxAmazonAccessToken,
    SandboxAmazonRefreshToken,
    SandboxAmazonSeller,
    SandboxAmazonUsage,
)

__all__ = [
    "DocumentKind",
    "ProcessingStatus",
    "SandboxAmazonAccessToken",
    "SandboxAmazonDocument",
    "SandboxAmazonFeed",
    "SandboxAmazonListing",
    "SandboxAmazonOrder",
    "SandboxAmazonOrderItem",
    "SandboxAmazonRefreshToken",
    "SandboxAmazonReport",
    "SandboxAmazonSeller",
    "SandboxAmazonUsage",
]
