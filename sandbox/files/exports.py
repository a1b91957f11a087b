"""Realistic seller-panel order exports (Meesho, Myntra, AJIO) for the demo, tests and bench.

Each writer streams rows to disk (CSV through ``csv.writer``, XLSX through openpyxl's
write-only mode), so 50,000 rows take well under a few seconds and little memory. Columns are
the panels' own, spelt here as they publish them (the sandbox never imports the connectors; the
tests compare them with what the connectors' default profiles read); amounts
are GST-inclusive rupees; order dates run forward from ``start`` (IST wall-clock time, as the
panels write them) and statuses follow the order's age: recent orders are still pending or in
transit, older ones delivered, cancelled, RTO'd or returned. Everything random comes from
``random.Random(seed)``: the same arguments write the same file.

``bad_rows`` rows at deterministic positions (evenly spread) are deliberately broken, cycling
through ``BAD_KINDS``: a zero quantity, a price that is not a number, an impossible date, an
unknown status, a missing order id, a missing SKU. ``rows`` counts data rows, bad ones
included; every writer returns the number of data rows written.
"""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from os import PathLike
from typing import Any

from sandbox.kernel.seed import data, templates

SkuSpec = tuple[str, str, Decimal]  # (sku, title, price in rupees)
CENT = Decimal("0.01")
SIZES = frozenset({"XS", "S", "M", "L", "XL", "XXL", "XXXL"})
BAD_KINDS = ("quantity", "price", "date", "status", "order_id", "sku")
# (generic status, weight) by order age; channels spell the generic statuses their own way.
RECENT = (("pending", 30), ("ready", 35), ("shipped", 30), ("cancelled", 5))
IN_FLIGHT = (("shipped", 35), ("delivered", 45), ("cancelled", 8), ("rto", 7), ("return", 5))
SETTLED = (("delivered", 68), ("cancelled", 11), ("rto", 11), ("return", 7), ("exchange", 3))
CITY_WEIGHTS = [city[5] for city in data.CITIES]

# Generic status → (Meesho "Reason for Credit Entry", Myntra release code, AJIO "Status").
STATUS_NAMES = {
    "pending": ("PENDING", "WP", "Confirmed"),
    "ready": ("READY_TO_SHIP", "PK", "Packed"),
    "shipped": ("SHIPPED", "SH", "Shipped"),
    "delivered": ("DELIVERED", "C", "Delivered"),
    "cancelled": ("CANCELLED", "F", "Cancelled"),
    "rto": ("RTO_COMPLETE", "RTO", "RTO Delivered"),
    "return": ("RETURN", "RT", "Returned"),
    "exchange": ("DOOR_STEP_EXCHANGED", "C", "Delivered"),
}
MEESHO_COLUMNS = [  # the orders export's header, as the Supplier Panel writes it
    "Reason for Credit Entry",
    "Sub Order No",
    "Order Date",
    "Customer State",
    "Product Name",
    "SKU",
    "Size",
    "Quantity",
    "Supplier Listed Price (Incl. GST + Commission)",
    "Supplier Discounted Price (Incl GST and Commision)",
    "Packet Id",
]
MYNTRA_COLUMNS = (  # noqa: SIM905 - the report's header line, as the panel writes it
    "order release id,order line id,store order id,created on,seller sku code,myntra sku code,"
    "style id,style name,size,order status,total mrp,discount,final amount,seller price,"
    "shipping charge,payment method,city,state,zipcode"
).split(",")
AJIO_COLUMNS = (  # noqa: SIM905 - the report's header line, as the panel writes it
    "Cust Order No,Cust Order Date,FWD Seller Order NO,FWD PO NO,FWD PO Date,Seller Invoice No,"
    "Seller Invoice Date,Cust Invoice No,Cust Invoice Date,Status,JioCode,HSN,Seller Style Code,"
    "Seller SKU,EAN,Description,Order Qty,FWD Shipment ID,FWD Shipment Date,FWD Carrier,FWD AWB,"
    "Shipped QTY,Estimated Dispatch Date,SLA Status,Cancelled Qty,Customer Cancelled QTY,"
    "Seller Cancelled QTY,Listing MRP,Seller TD,Selling Price,Base Price,Total Price,"
    "CGST_PERCENTAGE,CGST_AMOUNT,SGST_PERCENTAGE,SGST_AMOUNT,IGST_PERCENTAGE,IGST_AMOUNT,"
    "Total Value,Invoice Value,Brand,Fulfillment Type,POB ID,Seller Name"
).split(",")


def demo_skus(count: int = 60) -> list[SkuSpec]:
    """``count`` catalog-like SKUs (``KURTA-IND-BLU-M``) with titles and GST-inclusive prices
    ending in 9, from the sandbox catalog templates; no database needed."""
    skus: list[SkuSpec] = []
    rng = random.Random(7)  # noqa: S311 - reproducible fake data, not secrets
    while len(skus) < count:
        for template in templates.TEMPLATES:
            for title, code in template.styles:
                colour = rng.choice(template.colours) if template.colours else ""
                size = rng.choice(template.sizes) if template.sizes else ""
                parts = [template.prefix, code, templates.CODES.get(colour, colour.upper())]
                sku = "-".join(p for p in [*parts, size.replace(" ", "")] if p)
                low, high = template.price_range
                price = Decimal(max(low, round(rng.uniform(low, high) / 50) * 50 - 1))
                skus.append((sku, f"{title} {colour}".strip(), price))
                if len(skus) == count:
                    return skus
    return skus


@dataclass(frozen=True, slots=True)
class _Line:
    sku: str
    title: str
    price: Decimal  # listed / MRP per unit
    selling: Decimal  # per unit after the channel discount
    quantity: int


@dataclass(frozen=True, slots=True)
class _Order:
    number: int
    placed: datetime  # IST wall-clock, naive (as panels write it)
    status: str  # generic status
    lines: tuple[_Line, ...]
    city: tuple[str, str, str, int, int, int]
    pincode: str
    cod: bool


def _order(
    rng: random.Random, skus: Sequence[SkuSpec], number: int, placed: datetime, age: int
) -> _Order:
    """One order placed ``age`` days before the export's last day."""
    table = RECENT if age <= 2 else IN_FLIGHT if age <= 8 else SETTLED
    status = rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]
    lines = []
    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
        sku, title, price = rng.choice(skus)
        off = Decimal(rng.choice((0, 0, 5, 10, 15, 20, 30)))
        selling = max(Decimal(1), (price * (100 - off) / 100).quantize(Decimal(1)))
        quantity = 1 if rng.random() < 0.9 else rng.randint(2, 3)
        lines.append(_Line(sku, title, price, selling, quantity))
    city = rng.choices(data.CITIES, weights=CITY_WEIGHTS)[0]
    pincode = str(rng.randint(city[3], city[4]))
    return _Order(number, placed, status, tuple(lines), city, pincode, rng.random() < 0.6)


def _bad_positions(rows: int, bad_rows: int) -> dict[int, str]:
    if not 0 <= bad_rows <= rows:
        raise ValueError("bad_rows must be between 0 and rows")
    return {
        (k + 1) * rows // (bad_rows + 1): BAD_KINDS[k % len(BAD_KINDS)] for k in range(bad_rows)
    }


def _size(sku: str) -> str:
    last = sku.rsplit("-", 1)[-1]
    return last if last in SIZES else "Free Size"


def _code(text: str) -> int:
    """A stable number for a SKU (``hash()`` changes between processes)."""
    return zlib.crc32(text.encode())


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- rows per channel ------------------------------------------------------------------------
Row = list[Any]
Emit = Callable[[random.Random, _Order, str], Iterator[Row]]
# Column index of each field a bad row may break (Myntra has no quantity column).
MEESHO_FIELDS = {"quantity": 7, "price": 9, "date": 2, "status": 0, "order_id": 1, "sku": 5}
MYNTRA_FIELDS = {"price": 12, "date": 3, "status": 9, "order_id": 0, "sku": 4}
AJIO_FIELDS = {"quantity": 16, "price": 29, "date": 1, "status": 9, "order_id": 0, "sku": 13}
BAD_VALUES = {"quantity": "0", "price": "Rs. abc", "date": "31-02-2024", "status": "MYSTERY",
              "order_id": "", "sku": ""}  # fmt: skip


def _meesho_rows(rng: random.Random, order: _Order, _: str) -> Iterator[Row]:
    status = STATUS_NAMES[order.status][0]
    for index, line in enumerate(order.lines, start=1):
        # fmt: off
        yield [status, f"{108233562437400000 + order.number}_{index}", order.placed.date(),
               order.city[1], line.title, line.sku, _size(line.sku), line.quantity, line.price,
               line.selling, f"P{rng.randint(10**9, 10**10 - 1)}"]
        # fmt: on


def _myntra_rows(rng: random.Random, order: _Order, _: str) -> Iterator[Row]:
    release = 9000000000 + order.number
    store_order = f"1{order.number:09d}{rng.randint(10, 99)}"
    units = [line for line in order.lines for _ in range(line.quantity)]  # one row per unit
    for line_no, line in enumerate(units, start=1):
        style = 10000000 + _code(line.sku.rsplit("-", 1)[0]) % 10**7
        # fmt: off
        yield [release, release * 10 + line_no, store_order, order.placed, line.sku,
               f"MYN{_code(line.sku) % 10**8:08d}", style, line.title, _size(line.sku),
               STATUS_NAMES[order.status][1], line.price, line.price - line.selling,
               line.selling, line.selling, 0, "COD" if order.cod else "prepaid", order.city[0],
               order.city[1], order.pincode]
        # fmt: on


def _ajio_rows(rng: random.Random, order: _Order, pob_id: str) -> Iterator[Row]:
    n, day = order.number, order.placed.date()
    intra = order.city[2] == "MH"  # the seller ships from Maharashtra: CGST + SGST
    sent = order.status not in ("pending", "ready", "cancelled")
    for index, line in enumerate(order.lines, start=1):
        rate = Decimal("0.05") if line.selling <= 1000 else Decimal("0.12")
        total = line.selling * line.quantity
        tax = _money(total - total / (1 + rate))
        half = _money(tax / 2)
        cancelled = line.quantity if order.status == "cancelled" else 0
        # Invoice and shipment columns are filled once the line has shipped.
        invoice = [f"INV{n:08d}", day, f"CI{n:08d}", day] if sent else ["", "", "", ""]
        shipment = [f"SH{n:08d}", day, "Delhivery", f"{14 * 10**11 + n}"] if sent else [""] * 4
        code = _code(line.sku)
        # fmt: off
        yield [f"FN{4000000000 + n}", order.placed, f"SO{n:08d}{index}", f"PO{n:08d}", day,
               *invoice, STATUS_NAMES[order.status][2], f"4{code % 10**8:08d}", "62114290",
               line.sku.rsplit("-", 1)[0], line.sku, f"890{code % 10**10:010d}", line.title,
               line.quantity, *shipment, line.quantity if sent else 0, day + timedelta(days=2),
               "On Time" if rng.random() < 0.9 else "Delayed", cancelled, cancelled, 0,
               line.price, line.price - line.selling, line.selling,
               _money(line.selling / (1 + rate)), total, "2.5" if intra else "0",
               half if intra else 0, "2.5" if intra else "0", tax - half if intra else 0,
               "0" if intra else str(rate * 100), 0 if intra else tax, total, total,
               "Sangam Demo", "Dropship", pob_id, "Sangam Demo Store"]
        # fmt: on


# --- writing -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Channel:
    emit: Emit
    columns: list[str]
    fields: dict[str, int]  # column index of each field a bad row may break
    csv_date: str  # how the panel's CSV writes the order date
    sheet: str


MEESHO = _Channel(_meesho_rows, MEESHO_COLUMNS, MEESHO_FIELDS, "%Y-%m-%d", "Orders")
MYNTRA = _Channel(_myntra_rows, MYNTRA_COLUMNS, MYNTRA_FIELDS, "%d-%m-%Y %H:%M", "Orders")
AJIO = _Channel(_ajio_rows, AJIO_COLUMNS, AJIO_FIELDS, "%d/%m/%Y %H:%M:%S", "Order Details")


def _rows(channel: _Channel, options: dict[str, Any]) -> Iterator[Row]:
    """Data rows in file order; order dates advance with the share of rows written."""
    rows, days, skus = options["rows"], options["days"], options["skus"]
    if not skus:
        raise ValueError("skus must not be empty")
    rng = random.Random(options["seed"])  # noqa: S311 - reproducible fake data
    bad = _bad_positions(rows, options["bad_rows"])
    begin = datetime.combine(options["start"], time(8, 0))
    span = timedelta(days=days, hours=-10)
    written = number = 0
    while written < rows:
        placed = (begin + span * (written / rows)).replace(second=0, microsecond=0)
        order = _order(rng, skus, number, placed, days - (placed - begin).days)
        number += 1
        for row in channel.emit(rng, order, options.get("pob_id", "")):
            if written == rows:
                break
            kind = bad.get(written)
            if kind:
                kind = kind if kind in channel.fields else "price"
                row[channel.fields[kind]] = BAD_VALUES[kind]
            written += 1
            yield row


def _csv_cell(value: Any, date_format: str) -> Any:
    if isinstance(value, datetime):
        return value.strftime(date_format)
    return value.isoformat() if isinstance(value, date) else value


def _write_csv(channel: _Channel, path: str | PathLike[str], options: dict[str, Any]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(channel.columns)
        for row in _rows(channel, options):
            writer.writerow([_csv_cell(value, channel.csv_date) for value in row])
            count += 1
    return count


def _write_xlsx(
    channel: _Channel,
    path: str | PathLike[str],
    options: dict[str, Any],
    *,
    group_header: bool,
    description: bool,
) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(channel.sheet)
    width = len(channel.columns)
    if group_header:
        labels = {
            0: "Order Details",
            width // 3: "Product Details",
            2 * width // 3: "Payment Details",
        }
        worksheet.append([labels.get(index) for index in range(width)])
    worksheet.append(channel.columns)
    if description:
        worksheet.append([f"{name} as shown in the panel" for name in channel.columns])
    count = 0
    for row in _rows(channel, options):
        worksheet.append(row)
        count += 1
    workbook.save(path)
    return count


def write_meesho_orders_csv(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
) -> int:
    """Meesho Supplier Panel orders CSV (channel-apis.md §4): one sub order per row
    (``<order>_<n>``), dates ``2024-05-01``. Returns the number of data rows written."""
    return _write_csv(MEESHO, path, locals())


def write_meesho_orders_xlsx(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
    group_header: bool = True,
    description_row: bool = True,
) -> int:
    """The same orders as XLSX: Meesho's grouped header row ("Order Details", …) above the
    column names, a description row under them, order dates as Excel dates."""
    options = locals()
    return _write_xlsx(
        MEESHO, path, options, group_header=group_header, description=description_row
    )


def write_myntra_orders_csv(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
) -> int:
    """Myntra order report CSV: one row per unit, an order release's rows together, dates
    ``01-05-2024 10:15``. Returns the number of data rows written."""
    return _write_csv(MYNTRA, path, locals())


def write_myntra_orders_xlsx(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
    group_header: bool = False,
) -> int:
    """The Myntra report as XLSX (optionally with a grouped header row above the columns)."""
    return _write_xlsx(MYNTRA, path, locals(), group_header=group_header, description=False)


def write_ajio_orders_csv(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
    pob_id: str = "DV00001",
) -> int:
    """AJIO dropship order report CSV (44 columns): one row per SKU line of a customer order,
    dates ``01/05/2024 10:15:00``. Returns the number of data rows written."""
    return _write_csv(AJIO, path, locals())


def write_ajio_orders_xlsx(
    path: str | PathLike[str],
    *,
    skus: Sequence[SkuSpec],
    rows: int,
    start: date,
    seed: int = 3,
    bad_rows: int = 0,
    days: int = 30,
    pob_id: str = "DV00001",
    group_header: bool = False,
) -> int:
    """The AJIO report as XLSX (optionally with a grouped header row above the columns)."""
    return _write_xlsx(AJIO, path, locals(), group_header=group_header, description=False)
