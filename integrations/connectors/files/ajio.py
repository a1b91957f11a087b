"""AJIO: orders from the seller panel's order report (no public API, channel-apis.md §4).

AJIO publishes no column list. The default profile is an **assumption** drawn from public
parsers of the dropship order report (several agree on its 44 columns): ``Cust Order No, Cust
Order Date, FWD Seller Order NO, FWD PO NO, FWD PO Date, Seller Invoice No, Seller Invoice Date,
Cust Invoice No, Cust Invoice Date, Status, JioCode, HSN, Seller Style Code, Seller SKU, EAN,
Description, Order Qty, FWD Shipment ID, FWD Shipment Date, FWD Carrier, FWD AWB, Shipped QTY,
Estimated Dispatch Date, SLA Status, Cancelled Qty, Customer Cancelled QTY, Seller Cancelled
QTY, Listing MRP, Seller TD, Selling Price, Base Price, Total Price, CGST_PERCENTAGE,
CGST_AMOUNT, SGST_PERCENTAGE, SGST_AMOUNT, IGST_PERCENTAGE, IGST_AMOUNT, Total Value, Invoice
Value, Brand, Fulfillment Type, POB ID, Seller Name``. Staff can edit it in the admin.

Mapping: an order is a customer order (``Cust Order No``); its rows, one per SKU line, are
grouped. ``Selling Price`` is the buyer's price per unit, ``Listing MRP`` the pre-discount one;
tax is ``CGST_AMOUNT + SGST_AMOUNT + IGST_AMOUNT``; the row total is ``Total Value`` (``Invoice
Value`` is 0 on lines never invoiced, e.g. cancelled). The
report carries no buyer address or payment mode: orders are ``prepaid`` (AJIO collects and
settles). Statuses seen in AJIO seller exports and integrations are mapped (Confirmed, Packed,
Invoiced, Shipped, Delivered, Cancelled, RTO…); others are quarantined with the reason.
An account is a store's **POB ID**, which starts with ``DV``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from integrations.connectors.base import CredentialField
from integrations.connectors.files.connector import FileImportConnector
from integrations.connectors.files.values import DEFAULT_DATE_FORMATS
from integrations.dto import OrderStatus, ReturnKind, ReturnStatus

POB_ID = re.compile(r"DV[A-Z0-9]+")

AJIO_STATUS_MAP: dict[str, str] = {
    "CREATED": OrderStatus.PENDING,
    "PENDING": OrderStatus.PENDING,
    "ON_HOLD": OrderStatus.PENDING,
    "CONFIRMED": OrderStatus.CONFIRMED,
    "ACCEPTED": OrderStatus.CONFIRMED,
    "PACKED": OrderStatus.CONFIRMED,
    "INVOICED": OrderStatus.CONFIRMED,
    "READY_TO_SHIP": OrderStatus.CONFIRMED,
    "SHIPPED": OrderStatus.SHIPPED,
    "DISPATCHED": OrderStatus.SHIPPED,
    "IN_TRANSIT": OrderStatus.SHIPPED,
    "OUT_FOR_DELIVERY": OrderStatus.SHIPPED,
    "DELIVERED": OrderStatus.DELIVERED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCELED": OrderStatus.CANCELLED,
    "CUSTOMER_CANCELLED": OrderStatus.CANCELLED,
    "SELLER_CANCELLED": OrderStatus.CANCELLED,
    "RTO": OrderStatus.RETURNED,
    "RTO_INITIATED": OrderStatus.RETURNED,
    "RTO_DELIVERED": OrderStatus.RETURNED,
    "RETURNED": OrderStatus.RETURNED,
    "RETURN_INITIATED": OrderStatus.RETURNED,
    "CUSTOMER_RETURN": OrderStatus.RETURNED,
    "REFUNDED": OrderStatus.REFUNDED,
}


# Which returned statuses are an RTO (the courier brought the parcel back undelivered) and
# which a customer return, and where the channel says it is; the rest of a return's life
# (receipt, QC, restock) is recorded in Sangam (our reading of the statuses, not documented).
AJIO_RETURN_MAP: dict[str, dict[str, str]] = {
    "RTO": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_INITIATED": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_DELIVERED": {"kind": ReturnKind.RTO, "status": ReturnStatus.RECEIVED},
    "RETURN_INITIATED": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.REQUESTED},
    "CUSTOMER_RETURN": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.IN_TRANSIT},
    "RETURNED": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.RECEIVED},
}


class AjioConnector(FileImportConnector):
    """AJIO store (one POB ID), fed by uploads of the seller panel's order report."""

    id: ClassVar[str] = "ajio"
    label: ClassVar[str] = "AJIO"
    icon = "ajio"
    color = "#2C4152"
    account_key_field: ClassVar[str] = "pob_id"
    credential_fields = (
        CredentialField(
            "pob_id",
            "POB ID",
            placeholder="DV12345",
            help_text="AJIO's id of your store; it starts with DV.",
        ),
        CredentialField("store_name", "Store name", required=False),
    )
    setup_steps = (
        "Enter the POB ID of your AJIO store (it starts with DV; one per store).",
        "In the AJIO seller panel download the order report (dropship orders) as XLSX or CSV.",
        "Upload the file here; if AJIO has changed its columns, ask us to adjust the import "
        "profile.",
    )
    default_profile: ClassVar[dict[str, Any]] = {
        "columns": {
            "order_id": ["Cust Order No", "Customer Order No", "Customer Order Id", "Order No"],
            "order_date": ["Cust Order Date", "Customer Order Date", "Order Date"],
            "status": ["Status", "Order Status"],
            "sku": ["Seller SKU", "SKU"],
            "title": ["Description", "Product Name"],
            "size": ["Size"],
            "quantity": ["Order Qty", "Quantity", "Qty"],
            "unit_price": ["Selling Price"],
            "list_price": ["Listing MRP", "MRP"],
            "tax": {"sum": ["CGST_AMOUNT", "SGST_AMOUNT", "IGST_AMOUNT"]},
            "total": ["Total Value", "Invoice Value"],
            "ship_state": ["Customer State", "Ship To State", "State"],
            "ship_city": ["Customer City", "Ship To City", "City"],
            "ship_pincode": ["Customer Pincode", "Pincode"],
            "customer_name": ["Customer Name"],
        },
        "date_formats": list(DEFAULT_DATE_FORMATS),
        "status_map": dict(AJIO_STATUS_MAP),
        "return_map": {k: dict(v) for k, v in AJIO_RETURN_MAP.items()},
        "header_row_search": 10,
        "defaults": {},
        "default_payment_method": "prepaid",
        "timezone": "Asia/Kolkata",
        "append_size_to_sku": "",
    }

    @classmethod
    def account_key(cls, data: Mapping[str, Any]) -> str:
        """The POB ID, upper-cased. Raises ``ValueError`` when missing or not ``DV…``."""
        value = str(data.get(cls.account_key_field) or "").strip().upper()
        if not value:
            raise ValueError("'pob_id' is required: enter your AJIO store's POB ID.")
        if not POB_ID.fullmatch(value):
            raise ValueError(
                f"'pob_id' must be AJIO's POB ID, which starts with 'DV' followed by letters "
                f"or digits (e.g. DV12345); got '{value}'."
            )
        return value
