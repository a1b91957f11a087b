"""factory-boy factories for the hub's models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import Membership, Merchant, Role
from integrations.dto import AddressDTO, OrderDTO, OrderItemDTO, OrderStatus, PaymentMethod
from integrations.models import ChannelAccount
from inventory.models import Product, Variant


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Role.OWNER


class ChannelAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelAccount
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    provider = "shopify"
    external_id = factory.Sequence(lambda n: f"store-{n}.myshopify.com")
    display_name = factory.LazyAttribute(lambda o: o.external_id)

    @factory.post_generation
    def credentials(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_credentials(extracted or {"access_token": "shpat_test", "api_secret_key": "s3cret"})
        if create:
            obj.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    title = factory.Sequence(lambda n: f"Kurta {n}")
    handle = factory.Sequence(lambda n: f"kurta-{n}")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    merchant = factory.LazyAttribute(lambda o: o.product.merchant)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    price = Decimal("999.00")


def order_dto(
    external_id: str = "1001",
    *,
    updated_at: datetime | None = None,
    status: str = OrderStatus.CONFIRMED,
    items: tuple[tuple[str, int], ...] = (("SKU-1", 1),),
    payment_method: str = PaymentMethod.COD,
    total: str = "999.00",
    customer_id: str = "",
) -> OrderDTO:
    """A normalized order for service tests."""
    moment = updated_at or datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    return OrderDTO(
        external_id=external_id,
        order_number=f"#{external_id}",
        placed_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        updated_at=moment,
        status=status,
        payment_method=payment_method,
        currency="INR",
        subtotal=Decimal(total),
        discount_total=Decimal("0"),
        shipping_total=Decimal("0"),
        tax_total=Decimal("0"),
        total=Decimal(total),
        items=tuple(
            OrderItemDTO(
                external_id=f"{external_id}-{i}",
                sku=sku,
                title=sku,
                quantity=qty,
                unit_price=Decimal("999.00"),
            )
            for i, (sku, qty) in enumerate(items)
        ),
        customer_name="Asha Verma",
        customer_email="asha@example.in",
        customer_external_id=customer_id,
        ship_to=AddressDTO(city="Pune", state="Maharashtra", state_code="MH", pincode="411001"),
        raw={"id": external_id, "email": "asha@example.in"},
    )
