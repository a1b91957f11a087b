"""Myntra: orders from the seller panel's order report (no public API, channel-apis.md §4).

Myntra publishes no column list for its seller order reports. The default profile is an
**assumption** drawn from public parsers of the PPMP seller orders report, whose lower-case
headers agree: ``order release id``, ``order line id``, ``store order id``, ``created on``,
``seller sku code``, ``myntra sku code``, ``style id``, ``size``, ``order status``, ``total
mrp``, ``discount``, ``final amount``, ``seller price``, ``city``, ``state``, ``zipcode``.
Staff can edit it per channel in the admin (``ImportProfile``); headers match ignoring case,
spaces and underscores.

Mapping: an order is an **order release** (the packet a seller ships; one customer "store
order" can be split into several releases); its rows (one per line item, ``order line id``)
are grouped. The report has one row per unit, so ``quantity`` defaults to 1 when there is no
quantity column. ``final amount`` is what the buyer paid for the line and ``total mrp`` its
pre-discount price. Order statuses are Myntra's release codes (Q queued, RFR ready for release,
WP waiting for pick-up, PK packed, SH shipped, DL/C delivered/complete, F failed, IC/CA
cancelled, L lost, RTO) and their spelled-out forms. Payment: a ``payment method`` column is
read when present (COD/cash → COD); otherwise ``prepaid`` (Myntra collects and settles).
"""

from __future__ import annotations

from typing import Any, ClassVar

from integrations.connectors.base import CredentialField
from integrations.connectors.files.connector import FileImportConnector
from integrations.connectors.files.values import DEFAULT_DATE_FORMATS
from integrations.dto import OrderStatus, ReturnKind, ReturnStatus

MYNTRA_STATUS_MAP: dict[str, str] = {
    "Q": OrderStatus.PENDING,
    "QUEUED": OrderStatus.PENDING,
    "OH": OrderStatus.PENDING,
    "ON_HOLD": OrderStatus.PENDING,
    "CREATED": OrderStatus.CONFIRMED,
    "RFR": OrderStatus.CONFIRMED,
    "READY_FOR_RELEASE": OrderStatus.CONFIRMED,
    "WP": OrderStatus.CONFIRMED,
    "PK": OrderStatus.CONFIRMED,
    "PACKED": OrderStatus.CONFIRMED,
    "SH": OrderStatus.SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "IN_TRANSIT": OrderStatus.SHIPPED,
    "DL": OrderStatus.DELIVERED,
    "C": OrderStatus.DELIVERED,
    "DELIVERED": OrderStatus.DELIVERED,
    "COMPLETE": OrderStatus.DELIVERED,
    "F": OrderStatus.CANCELLED,
    "FAILED": OrderStatus.CANCELLED,
    "IC": OrderStatus.CANCELLED,
    "CA": OrderStatus.CANCELLED,
    "CANCELLED": OrderStatus.CANCELLED,
    "L": OrderStatus.CANCELLED,
    "LOST": OrderStatus.CANCELLED,
    "RTO": OrderStatus.RETURNED,
    "RTO_DELIVERED": OrderStatus.RETURNED,
    "RETURNED": OrderStatus.RETURNED,
    "RT": OrderStatus.RETURNED,
}


# Which returned statuses are an RTO (the courier brought the parcel back undelivered) and
# which a customer return, and where the channel says it is; the rest of a return's life
# (receipt, QC, restock) is recorded in Sangam (our reading of the statuses, not documented).
MYNTRA_RETURN_MAP: dict[str, dict[str, str]] = {
    "RTO": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_DELIVERED": {"kind": ReturnKind.RTO, "status": ReturnStatus.RECEIVED},
    "RETURNED": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.RECEIVED},
    "RT": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.RECEIVED},
}


class MyntraConnector(FileImportConnector):
    """Myntra seller (PPMP / marketplace), fed by uploads of the order report."""

    id: ClassVar[str] = "myntra"
    label: ClassVar[str] = "Myntra"
    icon = "myntra"
    color = "#FF3F6C"
    account_key_field: ClassVar[str] = "seller_id"
    credential_fields = (
        CredentialField("seller_id", "Seller / Partner ID"),
        CredentialField("store_name", "Store name", required=False),
    )
    setup_steps = (
        "Enter your Myntra Seller / Partner ID (Partner Portal → profile).",
        "In the Partner Portal download the orders report for a date range (CSV or XLSX).",
        "Upload the file here; if Myntra has changed its columns, ask us to adjust the "
        "import profile.",
    )
    default_profile: ClassVar[dict[str, Any]] = {
        "columns": {
            "order_id": ["order release id", "release id", "order id fk", "order id"],
            "line_id": ["order line id", "line id"],
            "order_date": ["created on", "order created date", "order date"],
            "status": ["order status", "status"],
            "sku": ["seller sku code", "seller sku", "sku code"],
            "title": ["style name", "product name", "article type"],
            "size": ["size"],
            "quantity": ["quantity", "qty"],
            "unit_price": ["final amount", "seller price"],
            "list_price": ["total mrp", "mrp"],
            "shipping": ["shipping charge"],
            "payment_method": ["payment method", "payment mode", "payment type"],
            "ship_state": ["state", "customer delivery state"],
            "ship_city": ["city"],
            "ship_pincode": ["zipcode", "zip code", "pincode", "pin code"],
            "customer_name": ["customer name"],
        },
        "date_formats": list(DEFAULT_DATE_FORMATS),
        "status_map": dict(MYNTRA_STATUS_MAP),
        "return_map": {k: dict(v) for k, v in MYNTRA_RETURN_MAP.items()},
        "header_row_search": 10,
        "defaults": {"quantity": "1"},
        "default_payment_method": "prepaid",
        "timezone": "Asia/Kolkata",
        "append_size_to_sku": "",
    }
