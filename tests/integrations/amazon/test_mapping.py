"""Amazon payload → DTO mapping: the official sandbox examples of ordersV0.json, an Amazon.in
order, status and payment tables, and agreement with the same order read from the report."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.connectors.amazon import mapping
from integrations.connectors.amazon.connector import AmazonConnector
from integrations.dto import OrderStatus, PaymentMethod, RecordFailure
from tests.integrations.amazon.conftest import model, report_row, sandbox_response

D = Decimal
ORDERS = "/orders/v0/orders"
ITEMS = "/orders/v0/orders/{orderId}/orderItems"


def india_order(**changes):
    order = {
        "AmazonOrderId": "402-1845936-5435065",
        "PurchaseDate": "2024-05-01T03:58:30Z",
        "LastUpdateDate": "2024-05-01T09:30:00+05:30",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.in",
        "OrderTotal": {"CurrencyCode": "INR", "Amount": "898.00"},
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": "A21TJRUUN4KGV",
        "IsPrime": True,
        "IsBusinessOrder": False,
        "ShippingAddress": {
            "City": "BENGALURU",
            "StateOrRegion": "KARNATAKA",
            "PostalCode": "560001",
            "CountryCode": "IN",
        },
    }
    order.update(changes)
    return order


def india_item(**changes):
    item = {
        "ASIN": "B0KURTA001",
        "OrderItemId": "60512345678901",
        "SellerSKU": "KURTA-BLU-M",
        "Title": 'Cotton Kurta 42" Blue',
        "QuantityOrdered": 2,
        "ItemPrice": {"CurrencyCode": "INR", "Amount": "998.00"},
        "ItemTax": {"CurrencyCode": "INR", "Amount": "106.93"},
        "PromotionDiscount": {"CurrencyCode": "INR", "Amount": "100.00"},
        "ShippingPrice": {"CurrencyCode": "INR", "Amount": "40.00"},
        "ShippingTax": {"CurrencyCode": "INR", "Amount": "4.29"},
        "ShippingDiscount": {"CurrencyCode": "INR", "Amount": "40.00"},
        "IsGift": "false",
    }
    item.update(changes)
    return item


# --- the official sandbox examples ------------------------------------------------------------
def test_sandbox_getorders_and_getorderitems_examples_map_to_dtos():
    orders = sandbox_response("ordersV0.json", ORDERS)["payload"]["Orders"]
    items = sandbox_response("ordersV0.json", ITEMS)["payload"]["OrderItems"]
    assert items[0]["IsGift"] == "false"  # the sandbox quirk: a string, not a boolean

    dto = mapping.order_from_v0(orders[0], items)

    assert dto.external_id == dto.order_number == "902-1845936-5435065"
    assert dto.placed_at == datetime(1970, 1, 19, 3, 58, 30, tzinfo=UTC)
    assert dto.updated_at == datetime(1970, 1, 19, 3, 58, 32, tzinfo=UTC)
    assert dto.status == OrderStatus.CONFIRMED  # Unshipped
    assert dto.fulfillment_status == "Unshipped"
    assert dto.payment_method == PaymentMethod.PREPAID
    assert dto.payment_gateways == ("Standard",)
    assert dto.currency == "USD"
    assert (dto.subtotal, dto.discount_total, dto.shipping_total, dto.tax_total, dto.total) == (
        D("10.00"),
        D("0.00"),
        D("0.00"),
        D("1.01"),
        D("11.01"),
    )
    assert dto.tags == ("MFN",)  # IsGift "false" is not a gift
    assert dto.cancelled_at is None
    (line,) = dto.items
    assert (line.external_id, line.sku, line.title, line.quantity) == (
        "05015851154158",
        "NABetaASINB00551Q3CS",
        "B00551Q3CS [Card Book]",
        1,
    )
    assert (line.unit_price, line.discount, line.tax) == (D("10.00"), D("0.00"), D("1.01"))
    assert dto.raw == {"order": orders[0], "items": items}


def test_the_usd_sandbox_total_is_recomputed_tax_exclusive_without_ordertotal():
    """ItemPrice 10.00 + ItemTax 1.01 = OrderTotal 11.01: NA prices exclude tax."""
    orders = sandbox_response("ordersV0.json", ORDERS)["payload"]["Orders"]
    items = sandbox_response("ordersV0.json", ITEMS)["payload"]["OrderItems"]
    order = {k: v for k, v in orders[0].items() if k != "OrderTotal"}
    assert mapping.order_from_v0(order, items).total == D("11.01")


def test_every_sandbox_getorders_example_maps():
    examples = model("ordersV0.json")["paths"][ORDERS]["get"]["responses"]["200"]
    mapped = [
        AmazonConnector.parse_record("orders", {"order": order, "items": []})
        for example in examples["x-amzn-api-sandbox"]["static"]
        for order in example["response"]["payload"]["Orders"]
    ]
    assert not [m for m in mapped if isinstance(m, RecordFailure)]
    pending = next(m for m in mapped if m.external_id == "902-3159896-1390916")
    assert pending.status == OrderStatus.PENDING
    assert pending.payment_gateways == ("CreditCard", "GiftCertificate")
    assert (pending.total, pending.items, pending.currency) == (D("0.00"), (), "INR")


def test_the_documented_getorders_example_keeps_the_ship_to_but_no_buyer_pii():
    documented = model("ordersV0.json")["paths"][ORDERS]["get"]["responses"]["200"]["examples"]
    (order,) = documented["application/json"]["payload"]["Orders"]
    assert order["BuyerInfo"]["BuyerEmail"]  # present in the payload…
    dto = mapping.order_from_v0(order, [])
    assert (dto.ship_to.city, dto.ship_to.state, dto.ship_to.pincode) == ("Canton", "MI", "48817")
    assert dto.ship_to.country_code == "US"
    assert dto.ship_to.name == ""  # …but not read into the DTO
    assert (dto.customer_name, dto.customer_email, dto.customer_phone) == ("", "", "")


# --- an Amazon.in order ---------------------------------------------------------------------------
def test_an_india_order_maps_amounts_as_decimal_rupees():
    dto = mapping.order_from_v0(india_order(), [india_item()])
    assert dto.updated_at == datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # +05:30 → UTC
    (line,) = dto.items
    # ItemPrice is the line total (model: "selling price … multiplied by the quantity ordered")
    assert (line.quantity, line.unit_price, line.discount, line.tax) == (
        2,
        D("499.00"),
        D("100.00"),
        D("106.93"),
    )
    assert line.variant_external_id == "KURTA-BLU-M"
    assert (dto.subtotal, dto.discount_total, dto.shipping_total, dto.tax_total, dto.total) == (
        D("998.00"),
        D("140.00"),
        D("40.00"),
        D("111.22"),
        D("898.00"),
    )
    assert all(isinstance(v, Decimal) for v in (dto.subtotal, dto.total, line.unit_price))
    assert dto.tags == ("MFN", "prime")
    assert (dto.ship_to.city, dto.ship_to.pincode, dto.ship_to.country_code) == (
        "BENGALURU",
        "560001",
        "IN",
    )


def test_an_india_total_without_ordertotal_is_tax_inclusive():
    order = india_order()
    del order["OrderTotal"]
    assert mapping.order_from_v0(order, [india_item()]).total == D("898.00")


def test_a_pending_order_without_prices_or_address_still_maps():
    order = india_order(OrderStatus="Pending")
    for key in ("OrderTotal", "ShippingAddress"):
        del order[key]
    item = {
        "ASIN": "B0KURTA001",
        "OrderItemId": "1",
        "SellerSKU": "KURTA-BLU-M",
        "QuantityOrdered": 1,
    }
    dto = mapping.order_from_v0(order, [item])
    assert dto.status == OrderStatus.PENDING
    assert dto.items[0].unit_price == D("0.00")
    assert dto.total == D("0.00")
    assert dto.ship_to.pincode == ""


@pytest.mark.parametrize(
    ("raw", "easy_ship", "expected"),
    [
        ("Pending", None, OrderStatus.PENDING),
        ("PendingAvailability", None, OrderStatus.PENDING),
        ("Unshipped", "PendingPickUp", OrderStatus.CONFIRMED),
        ("PartiallyShipped", None, OrderStatus.PARTIALLY_SHIPPED),
        ("Shipped", None, OrderStatus.SHIPPED),
        ("Shipped", "OutForDelivery", OrderStatus.SHIPPED),
        ("Shipped", "Delivered", OrderStatus.DELIVERED),
        ("Shipped", "ReturnedToSeller", OrderStatus.RETURNED),
        ("Shipped", "RejectedByBuyer", OrderStatus.RETURNED),
        ("InvoiceUnconfirmed", None, OrderStatus.SHIPPED),
        ("Canceled", None, OrderStatus.CANCELLED),
        ("Unfulfillable", None, OrderStatus.CANCELLED),
    ],
)
def test_order_statuses_are_normalized(raw, easy_ship, expected):
    dto = mapping.order_from_v0(
        india_order(OrderStatus=raw, EasyShipShipmentStatus=easy_ship), [india_item()]
    )
    assert dto.status == expected
    assert (dto.cancelled_at is not None) == (expected == OrderStatus.CANCELLED)


def test_every_v0_order_status_in_the_model_is_mapped():
    enum = model("ordersV0.json")["definitions"]["Order"]["properties"]["OrderStatus"]["enum"]
    assert set(enum) <= set(mapping.V0_STATUSES)


@pytest.mark.parametrize(
    ("method", "details", "expected"),
    [
        ("COD", ["COD"], PaymentMethod.COD),
        ("Other", ["CashOnDelivery"], PaymentMethod.COD),
        ("Other", ["Standard"], PaymentMethod.PREPAID),
        (None, None, PaymentMethod.PREPAID),
    ],
)
def test_payment_method(method, details, expected):
    order = india_order(PaymentMethod=method, PaymentMethodDetails=details)
    assert mapping.order_from_v0(order, [india_item()]).payment_method == expected


def test_gift_and_business_flags_become_tags():
    dto = mapping.order_from_v0(
        india_order(FulfillmentChannel="AFN", IsPrime=False, IsBusinessOrder=True),
        [india_item(IsGift="true")],
    )
    assert dto.tags == ("AFN", "business", "gift")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"AmazonOrderId": None}, "AmazonOrderId"),
        ({"OrderStatus": "Teleported"}, "OrderStatus"),
        ({"PurchaseDate": "2024-05-01T03:58:30"}, "without a zone"),
        ({"OrderTotal": {"CurrencyCode": "INR", "Amount": "lots"}}, "OrderTotal"),
    ],
)
def test_an_untranslatable_order_is_a_record_failure(change, message):
    payload = {"order": india_order(**change), "items": [india_item()]}
    record = AmazonConnector.parse_record("orders", payload)
    assert isinstance(record, RecordFailure)
    assert message in record.error
    assert record.payload == payload


def test_parse_record_rejects_unknown_streams():
    with pytest.raises(ValueError, match="unknown stream"):
        AmazonConnector.parse_record("catalog", {"order": india_order(), "items": []})


def test_the_report_and_the_api_agree_on_the_same_order():
    api = mapping.order_from_v0(
        india_order(
            AmazonOrderId="171-1234567-7654321",
            PurchaseDate="2024-05-01T03:58:30Z",
            LastUpdateDate="2024-05-03T10:00:00Z",
            OrderStatus="Shipped",
            FulfillmentChannel="AFN",
            IsPrime=False,
            OrderTotal={"CurrencyCode": "INR", "Amount": "898.00"},
        ),
        [india_item()],
    )
    report = mapping.order_from_report_rows([report_row()])
    for field in ("external_id", "placed_at", "updated_at", "status", "currency", "tags"):
        assert getattr(api, field) == getattr(report, field), field
    for field in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"):
        assert getattr(api, field) == getattr(report, field), field
    assert [(i.sku, i.quantity, i.unit_price) for i in api.items] == [
        (i.sku, i.quantity, i.unit_price) for i in report.items
    ]
