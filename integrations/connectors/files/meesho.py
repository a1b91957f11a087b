"""Meesho: orders from the Supplier Panel's exports (no public seller API, channel-apis.md §4):
the Orders CSV and the payments XLSX, statuses and returns by ``Reason for Credit Entry``.
Design: docs/providers/files.md#meesho
"""

from __future__ import annotations

from typing import Any, ClassVar

from integrations.connectors.base import CredentialField
from integrations.connectors.files.connector import FileImportConnector
from integrations.connectors.files.values import DEFAULT_DATE_FORMATS
from integrations.dto import OrderStatus, ReturnKind, ReturnStatus

LISTED_PRICE = "Supplier Listed Price (Incl. GST + Commission)"
DISCOUNTED_PRICE = "Supplier Discounted Price (Incl GST and Commision)"
ORDER_COLUMNS = (
    "Reason for Credit Entry",
    "Sub Order No",
    "Order Date",
    "Customer State",
    "Product Name",
    "SKU",
    "Size",
    "Quantity",
    LISTED_PRICE,
    DISCOUNTED_PRICE,
    "Packet Id",
)

MEESHO_STATUS_MAP: dict[str, str] = {
    "PENDING": OrderStatus.PENDING,
    "HOLD": OrderStatus.PENDING,
    "ON_HOLD": OrderStatus.PENDING,
    "READY_TO_SHIP": OrderStatus.CONFIRMED,
    "SHIPPED": OrderStatus.SHIPPED,
    "IN_TRANSIT": OrderStatus.SHIPPED,
    "OUT_FOR_DELIVERY": OrderStatus.SHIPPED,
    "DELIVERED": OrderStatus.DELIVERED,
    "EXCHANGE": OrderStatus.DELIVERED,
    "EXCHANGED": OrderStatus.DELIVERED,
    "DOOR_STEP_EXCHANGED": OrderStatus.DELIVERED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCELED": OrderStatus.CANCELLED,
    "LOST": OrderStatus.CANCELLED,
    "RTO": OrderStatus.RETURNED,
    "RTO_INITIATED": OrderStatus.RETURNED,
    "RTO_IN_TRANSIT": OrderStatus.RETURNED,
    "RTO_OFD": OrderStatus.RETURNED,
    "RTO_LOCKED": OrderStatus.RETURNED,
    "RTO_COMPLETE": OrderStatus.RETURNED,
    "RETURN": OrderStatus.RETURNED,
    "RETURNED": OrderStatus.RETURNED,
    "CUSTOMER_RETURN": OrderStatus.RETURNED,
    "COURIER_RETURN": OrderStatus.RETURNED,
}


# Which returned statuses are an RTO (the courier brought the parcel back undelivered) and
# which a customer return, and where the channel says it is; the rest of a return's life
# (receipt, QC, restock) is recorded in Sangam (our reading of the statuses, not documented).
MEESHO_RETURN_MAP: dict[str, dict[str, str]] = {
    "RTO": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_INITIATED": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_IN_TRANSIT": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_OFD": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_LOCKED": {"kind": ReturnKind.RTO, "status": ReturnStatus.IN_TRANSIT},
    "RTO_COMPLETE": {"kind": ReturnKind.RTO, "status": ReturnStatus.RECEIVED},
    "COURIER_RETURN": {"kind": ReturnKind.RTO, "status": ReturnStatus.RECEIVED},
    "RETURN": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.IN_TRANSIT},
    "CUSTOMER_RETURN": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.IN_TRANSIT},
    "RETURNED": {"kind": ReturnKind.CUSTOMER_RETURN, "status": ReturnStatus.RECEIVED},
}


class MeeshoConnector(FileImportConnector):
    """Meesho supplier account, fed by uploads of the Supplier Panel's orders export."""

    id: ClassVar[str] = "meesho"
    label: ClassVar[str] = "Meesho"
    icon = "meesho"
    color = "#F43397"
    account_key_field: ClassVar[str] = "supplier_id"
    credential_fields = (
        CredentialField("supplier_id", "Supplier ID"),
        CredentialField("store_name", "Store name", required=False),
    )
    setup_steps = (
        "Enter your Meesho Supplier ID (Supplier Panel → top right, under your store name).",
        "In the Supplier Panel open Orders, pick a date range and download the orders "
        "report (CSV), or download the payments report (XLSX).",
        "Upload the file here; Sangam reads every sub order and lists rows it could not "
        "read with their row number and column.",
    )
    default_profile: ClassVar[dict[str, Any]] = {
        "columns": {
            "order_id": ["Sub Order No", "Sub Order Number", "Suborder No"],
            "line_id": ["Sub Order No", "Sub Order Number", "Suborder No"],
            "order_date": ["Order Date"],
            "status": ["Reason for Credit Entry", "Live Order Status", "Order Status"],
            "sku": ["SKU", "Supplier SKU"],
            "title": ["Product Name"],
            "size": ["Size"],
            "quantity": ["Quantity", "Qty"],
            "unit_price": [
                DISCOUNTED_PRICE,
                "Supplier Discounted Price (Incl GST and Commission)",
                "Listing Price (Incl. taxes)",
            ],
            "list_price": [LISTED_PRICE, "Supplier Listed Price (Incl. GST + Commision)"],
            "ship_state": ["Customer State"],
        },
        "date_formats": list(DEFAULT_DATE_FORMATS),
        "status_map": dict(MEESHO_STATUS_MAP),
        "return_map": {k: dict(v) for k, v in MEESHO_RETURN_MAP.items()},
        "header_row_search": 10,
        "defaults": {},
        "default_payment_method": "prepaid",
        "timezone": "Asia/Kolkata",
        "append_size_to_sku": "",
    }
