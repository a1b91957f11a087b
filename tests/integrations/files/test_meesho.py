"""Meesho: Supplier Panel orders CSV and XLSX (grouped header row) → orders, bad rows → failures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations.connectors.base import Capability, ConnectType, ProviderKind
from integrations.connectors.files.errors import FileFormatError, ProfileError
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.dto import (
    AddressDTO,
    OrderDTO,
    OrderItemDTO,
    OrderStatus,
    PaymentMethod,
    RecordFailure,
)
from sandbox.files.exports import write_meesho_orders_csv, write_meesho_orders_xlsx
from tests.fixtures.files import fixture_path
from tests.integrations.files.conftest import UPLOADED_AT, make_connector, split

D = Decimal
FIXTURE = fixture_path("meesho_orders.csv")


def test_metadata_and_connect_form():
    assert MeeshoConnector.id == "meesho"
    assert MeeshoConnector.label == "Meesho"
    assert MeeshoConnector.color == "#F43397"
    assert MeeshoConnector.icon == "meesho"
    assert MeeshoConnector.kind == ProviderKind.COMMERCE
    assert MeeshoConnector.connect_type == ConnectType.FILE
    assert MeeshoConnector.capabilities == frozenset({Capability.FILE_IMPORT})
    assert MeeshoConnector.account_key_field == "supplier_id"
    assert [(f.name, f.label, f.required) for f in MeeshoConnector.credential_fields] == [
        ("supplier_id", "Supplier ID", True),
        ("store_name", "Store name", False),
    ]
    assert MeeshoConnector.secret_field_names() == frozenset()
    assert MeeshoConnector.account_key({"supplier_id": " 482913 "}) == "482913"
    with pytest.raises(ValueError, match="'supplier_id' is required"):
        MeeshoConnector.account_key({})


def test_check_credentials_names_the_store_without_network():
    assert make_connector(MeeshoConnector, "482913").check_credentials() == {
        "name": "Meesho 482913"
    }
    named = make_connector(MeeshoConnector, "482913", store_name="Rangrez Kurtis")
    assert named.check_credentials() == {"name": "Rangrez Kurtis"}


def test_the_orders_csv_maps_to_order_dtos(meesho):
    orders, failures = split(meesho.parse_file(FIXTURE, filename="Meesho Orders 06-Jun-24.csv"))
    assert [o.external_id for o in orders] == [f"13962038674528793{i}_1" for i in range(6, 10)] + [
        "139620386745287940_1",
        "139620386745287941_1",
    ]
    first = orders[0]
    assert first == OrderDTO(
        external_id="139620386745287936_1",
        order_number="139620386745287936_1",
        placed_at=datetime(2024, 4, 30, 18, 30, tzinfo=UTC),
        updated_at=datetime(2024, 4, 30, 18, 30, tzinfo=UTC),
        status=OrderStatus.DELIVERED,
        payment_method=PaymentMethod.PREPAID,
        currency="INR",
        subtotal=D("1099.00"),
        discount_total=D("100.00"),
        shipping_total=D("0.00"),
        tax_total=D("0.00"),
        total=D("999.00"),
        items=(
            OrderItemDTO(
                external_id="139620386745287936_1",
                sku="KURTA-IND-BLU-M",
                title="Indigo Block Print Kurta - M",
                quantity=1,
                unit_price=D("1099.00"),
                discount=D("100.00"),
            ),
        ),
        fulfillment_status="DELIVERED",
        ship_to=AddressDTO(state="Maharashtra", state_code="MH", country_code="IN"),
        tags=("meesho",),
    )
    assert first.raw == {
        "row": 2,
        "values": {
            "Reason for Credit Entry": "DELIVERED",
            "Sub Order No": "139620386745287936_1",
            "Order Date": "2024-05-01",
            "Customer State": "Maharashtra",
            "Product Name": "Indigo Block Print Kurta",
            "SKU": "KURTA-IND-BLU-M",
            "Size": "M",
            "Quantity": "1",
            "Supplier Listed Price (Incl. GST + Commission)": "₹1,099.00",
            "Supplier Discounted Price (Incl GST and Commision)": "999",
            "Packet Id": "PKT8K2J4L1",
        },
    }
    rto = orders[1]
    assert (rto.status, rto.fulfillment_status) == (OrderStatus.RETURNED, "RTO_COMPLETE")
    assert rto.placed_at == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)  # 02-05-2024 IST
    assert rto.items[0].quantity == 2
    assert (rto.items[0].unit_price, rto.items[0].discount) == (D("499.00"), D("100.00"))
    assert (rto.subtotal, rto.discount_total, rto.total) == (D("998.00"), D("100.00"), D("898.00"))
    assert rto.ship_to.state == "Karnataka"
    assert [o.status for o in orders[2:]] == [
        OrderStatus.SHIPPED,
        OrderStatus.CONFIRMED,
        OrderStatus.CANCELLED,
        OrderStatus.PENDING,
    ]
    assert [o.placed_at for o in orders[2:5]] == [
        datetime(2024, 5, 2, 18, 30, tzinfo=UTC),  # 03/05/2024
        datetime(2024, 5, 4, 4, 30, tzinfo=UTC),  # 2024-05-04 10:00:00 IST
        datetime(2024, 5, 4, 18, 30, tzinfo=UTC),  # 5 May 2024
    ]
    assert orders[3].total == D("2199.00")
    assert orders[3].items[0].title == "Chanderi Cotton Saree - Free Size"
    assert orders[5].items[0].title == "Neem Tulsi Face Wash"
    assert orders[5].ship_to == AddressDTO(state="Odisha", state_code="OR", country_code="IN")
    assert (orders[5].subtotal, orders[5].total) == (D("747.00"), D("675.00"))
    assert all(isinstance(o.total, Decimal) and o.currency == "INR" for o in orders)


def test_a_bad_row_is_reported_with_row_column_and_reason_and_the_others_come_through(meesho):
    orders, failures = split(meesho.parse_file(FIXTURE))
    assert len(orders) == 6
    assert failures == [
        RecordFailure(
            external_id="139620386745287942_1",
            error="Row 8, column 'Reason for Credit Entry': unknown status 'LOST_IN_SPACE' "
            "(staff can map it in the channel's import profile); Row 8, column 'Quantity': "
            "'two' is not a whole number of units",
            payload={
                "row": 8,
                "values": {
                    "Reason for Credit Entry": "LOST_IN_SPACE",
                    "Sub Order No": "139620386745287942_1",
                    "Order Date": "2024-05-06",
                    "Customer State": "Goa",
                    "Product Name": "Mandala Print Tee",
                    "SKU": "TSHRT-MND-BLK-M",
                    "Size": "M",
                    "Quantity": "two",
                    "Supplier Listed Price (Incl. GST + Commission)": "499",
                    "Supplier Discounted Price (Incl GST and Commision)": "449",
                    "Packet Id": "",
                },
            },
        )
    ]
    assert json.loads(json.dumps(failures[0].payload)) == failures[0].payload


def test_parse_record_reprocesses_a_fixed_payload(meesho):
    _, [failure] = split(meesho.parse_file(FIXTURE))
    unchanged = MeeshoConnector.parse_record("orders", failure.payload)
    assert unchanged == failure
    fixed = json.loads(json.dumps(failure.payload))
    fixed["values"].update({"Reason for Credit Entry": "DELIVERED", "Quantity": "1"})
    order, *returns = MeeshoConnector.parse_record("orders", fixed)
    assert isinstance(order, OrderDTO)
    assert returns == []  # delivered: no return
    assert (order.external_id, order.status, order.total) == (
        "139620386745287942_1",
        OrderStatus.DELIVERED,
        D("449.00"),
    )
    assert order.updated_at == order.placed_at == datetime(2024, 5, 5, 18, 30, tzinfo=UTC)
    assert order.raw == fixed


def test_parse_record_of_a_good_row_equals_what_parse_file_made(meesho):
    orders, _ = split(meesho.parse_file(FIXTURE))
    assert [MeeshoConnector.parse_record("orders", o.raw)[0] for o in orders] == orders


def test_the_upload_time_is_every_orders_updated_at(meesho):
    orders, _ = split(meesho.parse_file(FIXTURE, as_of=UPLOADED_AT))
    assert {o.updated_at for o in orders} == {UPLOADED_AT}
    assert orders[0].placed_at == datetime(2024, 4, 30, 18, 30, tzinfo=UTC)


def test_parsing_the_same_file_twice_gives_equal_orders(meesho):
    first = list(meesho.parse_file(FIXTURE, as_of=UPLOADED_AT))
    second = list(meesho.parse_file(FIXTURE, as_of=UPLOADED_AT))
    assert first == second
    assert [r[0].raw for r in first if isinstance(r, tuple)] == [
        r[0].raw for r in second if isinstance(r, tuple)
    ]


def test_a_missing_required_column_names_it_and_the_columns_found(meesho, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "Reason for Credit Entry,Sub Order No,Order Date,SKU,Supplier Discounted Price\n"
        "DELIVERED,1_1,2024-05-01,K-1,499\n"
    )
    with pytest.raises(FileFormatError) as error:
        list(meesho.parse_file(str(path)))
    message = str(error.value)
    assert message.startswith("Missing required column(s): one of 'Quantity', 'Qty' (quantity)")
    assert "(unit_price)" in message
    assert (
        "Columns found (row 1): Reason for Credit Entry, Sub Order No, Order Date, SKU" in message
    )


def test_header_variants_are_accepted(meesho, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "reason for credit entry,SUB ORDER NO.,order_date,sku,size,qty,"
        "Supplier Listed Price (Incl. GST + Commission),"
        "Supplier Discounted Price (Incl GST and Commission)\n"
        "shipped,2_1,2024-05-01,K-2,L,1,599,499\n"
    )
    [order], failures = split(meesho.parse_file(str(path)))
    assert failures == []
    assert (order.external_id, order.status, order.items[0].sku) == ("2_1", "shipped", "K-2")
    assert (order.items[0].unit_price, order.total) == (D("599.00"), D("499.00"))


def test_the_payments_xlsx_with_grouped_header_and_description_rows_is_read(meesho, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Order Payments")
    sheet.append(["Order Details", None, None, None, "Payment Details", None, None])
    sheet.append(
        [
            "Sub Order No",
            "Order Date",
            "Supplier SKU",
            "Live Order Status",
            "Listing Price (Incl. taxes)",
            "Quantity",
            "Final Settlement Amount",
        ]
    )
    sheet.append(["Sub order id", "Date of order", "Your SKU", "Status", "Price", "Units", "₹"])
    sheet.append([])
    sheet.append(["9_1", datetime(2024, 5, 1, 14, 5), "K-9", "Delivered", 549.0, 1.0, 430.12])  # noqa: DTZ001 - Excel dates have no zone
    sheet.append(["9_2", datetime(2024, 5, 1, 14, 5), "K-9", "RTO", 549.0, 1.0, -80])  # noqa: DTZ001
    path = tmp_path / "payments.xlsx"
    workbook.save(path)
    orders, failures = split(meesho.parse_file(str(path), filename="payments.xlsx"))
    assert failures == []
    assert [(o.external_id, o.status, o.total) for o in orders] == [
        ("9_1", OrderStatus.DELIVERED, D("549.00")),
        ("9_2", OrderStatus.RETURNED, D("549.00")),
    ]
    assert orders[0].placed_at == datetime(2024, 5, 1, 8, 35, tzinfo=UTC)
    assert orders[0].raw["row"] == 5


@pytest.mark.parametrize("description_row", [True, False])
def test_generated_csv_and_xlsx_of_the_same_orders_parse_alike(
    meesho, skus, tmp_path, description_row
):
    csv_path, xlsx_path = tmp_path / "orders.csv", tmp_path / "orders.xlsx"
    options = {"skus": skus, "rows": 300, "start": date(2024, 5, 1), "seed": 11, "bad_rows": 6}
    assert write_meesho_orders_csv(str(csv_path), **options) == 300
    assert (
        write_meesho_orders_xlsx(str(xlsx_path), description_row=description_row, **options) == 300
    )
    csv_orders, csv_failures = split(meesho.parse_file(str(csv_path), as_of=UPLOADED_AT))
    xlsx_orders, xlsx_failures = split(meesho.parse_file(str(xlsx_path), as_of=UPLOADED_AT))
    assert len(csv_orders) == 294
    assert sum(len(o.items) for o in csv_orders) == 294
    assert xlsx_orders == csv_orders
    offset = 2 if description_row else 1  # the grouped header row (and description row) above
    assert [f.payload["row"] for f in xlsx_failures] == [
        f.payload["row"] + offset for f in csv_failures
    ]
    reasons = [f.error.split(": ", 1)[1] for f in csv_failures]
    assert [r.split(" ")[0] for r in reasons] == [
        "'0'",
        "'Rs.",
        "'31-02-2024'",
        "unknown",
        "required",
        "required",
    ]
    assert csv_failures[4].external_id == f"row {csv_failures[4].payload['row']}"
    statuses = {o.status for o in csv_orders}
    assert {OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.CANCELLED} <= statuses


def test_a_profile_override_maps_a_new_status_and_appends_size_to_sku(meesho, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "Reason for Credit Entry,Sub Order No,Order Date,SKU,Size,Quantity,"
        "Supplier Discounted Price (Incl GST and Commision)\n"
        "LOST_IN_SPACE,3_1,2024-05-01,KURTA-IND,M,1,499\n"
        "DELIVERED,3_2,2024-05-01,KURTA-IND-M,M,1,499\n"
    )
    profile = {"status_map": {"Lost in space": "cancelled"}, "append_size_to_sku": "-"}
    orders, failures = split(meesho.parse_file(str(path), profile=profile))
    assert failures == []
    assert [(o.status, o.items[0].sku) for o in orders] == [
        (OrderStatus.CANCELLED, "KURTA-IND-M"),
        (OrderStatus.DELIVERED, "KURTA-IND-M"),
    ]
    assert orders[0].payment_method == PaymentMethod.PREPAID
    cod = split(meesho.parse_file(str(path), profile={**profile, "default_payment_method": "cod"}))
    assert {o.payment_method for o in cod[0]} == {PaymentMethod.COD}


def test_empty_rows_and_repeated_headers_are_skipped_and_rows_keep_their_numbers(meesho, tmp_path):
    header = (
        "Reason for Credit Entry,Sub Order No,Order Date,SKU,Quantity,"
        "Supplier Discounted Price (Incl GST and Commision)\n"
    )
    path = tmp_path / "orders.csv"
    path.write_text(
        "Meesho Orders Report\n\n"
        + header
        + "DELIVERED,4_1,2024-05-01,K-1,1,499\n"
        + ",,,,,\n"
        + header
        + "SHIPPED,4_2,2024-05-02,K-2,1,599\n"
        + "SHIPPED,4_3,2024-05-02,K-2,1,\n"
    )
    orders, failures = split(meesho.parse_file(str(path)))
    assert [(o.external_id, o.raw["row"]) for o in orders] == [("4_1", 4), ("4_2", 7)]
    assert [f.error for f in failures] == [
        "Row 8, column 'Supplier Discounted Price (Incl GST and Commision)': "
        "required value is missing"
    ]
    with pytest.raises(FileFormatError, match=r"Columns found \(row 1\): Meesho Orders Report"):
        list(meesho.parse_file(str(path), profile={"header_row_search": 2}))


def test_a_bad_profile_is_refused_before_the_file_is_read(meesho):
    with pytest.raises(ProfileError, match="header_row_search"):
        meesho.parse_file("/nonexistent.csv", profile={"header_row_search": "ten"})


def test_the_upload_time_must_be_aware(meesho):
    with pytest.raises(ValueError, match="aware"):
        list(meesho.parse_file(FIXTURE, as_of=datetime(2024, 6, 1)))  # noqa: DTZ001 - the point
