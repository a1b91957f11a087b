"""One order book for every channel: ``Order``, ``OrderItem`` and the status history."""

from __future__ import annotations

from django.db import models

from accounts.fields import MoneyField
from accounts.models import Merchant, MerchantScopedQuerySet
from integrations.dto import DispositionType, OrderStatus, PaymentMethod, ReturnKind, ReturnStatus


class Order(models.Model):
    """An order from any channel in one normalized shape.

    Unique on (account, external_id): the idempotency key of every import path. Amounts are
    Decimal in ``currency`` (rupees for INR). ``source_updated_at`` is the channel's last
    modification time; imports never let an older version overwrite a newer one. ``raw`` keeps
    the channel payload for audit (personal data in it is erased on a redact request).
    """

    # Indexes are kept to what queries need (each one costs every insert of the import path):
    # the merchant FK is covered by (merchant, -placed_at), the account FK by the unique
    # (account, external_id).
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="orders", db_index=False
    )
    account = models.ForeignKey(
        "integrations.ChannelAccount",
        on_delete=models.CASCADE,
        related_name="orders",
        db_index=False,
    )
    channel = models.CharField(max_length=40)
    external_id = models.CharField(max_length=255)
    order_number = models.CharField(max_length=100)
    placed_at = models.DateTimeField()
    source_updated_at = models.DateTimeField()
    status = models.CharField(max_length=30, choices=OrderStatus.CHOICES)
    financial_status = models.CharField(max_length=40, blank=True)
    fulfillment_status = models.CharField(max_length=40, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.CHOICES)
    payment_gateway = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="INR")
    subtotal = MoneyField()
    discount_total = MoneyField()
    shipping_total = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    customer_external_id = models.CharField(max_length=255, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    customer_email = models.CharField(max_length=255, blank=True)
    customer_phone = models.CharField(max_length=50, blank=True)
    ship_name = models.CharField(max_length=255, blank=True)
    ship_address1 = models.CharField(max_length=255, blank=True)
    ship_address2 = models.CharField(max_length=255, blank=True)
    ship_phone = models.CharField(max_length=50, blank=True)
    ship_city = models.CharField(max_length=120, blank=True)
    ship_state = models.CharField(max_length=120, blank=True)
    ship_state_code = models.CharField(max_length=10, blank=True)
    ship_pincode = models.CharField(max_length=12, blank=True)
    ship_country = models.CharField(max_length=2, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_test = models.BooleanField(default=False)
    # The channel ships it from its own stock (Amazon AFN/FBA): it never reserves Sangam's.
    fulfilled_by_channel = models.BooleanField(default=False)
    # False while the payment method is a placeholder the channel must still be asked for
    # (an Amazon report-imported order; ``orders.services.payments``).
    payment_known = models.BooleanField(default=True)
    stock_reserved = models.BooleanField(default=False)
    # Open but its lines could not be reserved (not enough available-to-sell): kept, flagged,
    # reserved later when stock arrives (``inventory.services.backorders_allocate``).
    unfulfillable = models.BooleanField("backorder (waiting for stock)", default=False)
    # When it last became a backorder (stock refused), and when stock arriving later reserved
    # it (None while it waits, or if it never waited).
    backordered_at = models.DateTimeField(null=True, blank=True)
    backorder_filled_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="uniq_order_external")
        ]
        indexes = [
            models.Index(fields=["merchant", "-placed_at"]),
            # Backorders waiting for stock: few rows, read on every stock increase.
            models.Index(
                fields=["merchant", "placed_at"],
                condition=models.Q(unfulfillable=True),
                name="order_backorders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.order_number}"


class OrderItemQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "order__merchant"


class OrderItem(models.Model):
    """One line: ``quantity`` units ordered; ``current_quantity`` the units the order still
    holds in stock: the channel's current quantity (Shopify ``current_quantity``: ordered minus
    refunded and removed) while nothing of the order has shipped, and what it held before once
    shipping has begun (a refund of shipped units is a return, not a removal; see
    ``orders.services.orders``). ``unit_price`` per unit before discount; ``discount`` and
    ``tax`` are line totals (rupees); ``variant`` is matched by SKU when the catalog has it."""

    # The order FK is covered by the unique (order, external_id) index.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", db_index=False)
    external_id = models.CharField(max_length=255)
    sku = models.CharField(max_length=255, blank=True)
    variant = models.ForeignKey(
        "inventory.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant_external_id = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500, blank=True)
    quantity = models.IntegerField()
    current_quantity = models.IntegerField(default=0)
    unit_price = MoneyField()
    discount = MoneyField()
    tax = MoneyField()

    objects = OrderItemQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="uniq_order_item")
        ]
        # One plain index (``db_index`` would add a second, LIKE-pattern one on PostgreSQL).
        indexes = [models.Index(fields=["sku"], name="orders_item_sku_idx")]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity - self.discount

    @property
    def removed_units(self) -> int:
        """Units of the line no longer on the order (ordered − current; while the order is
        open these are units removed before shipping, later also refunded ones)."""
        return max(self.quantity - self.current_quantity, 0)


class OrderStatusEvent(models.Model):
    """Status history: one row each time an import changes an order's normalized status."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=30, choices=OrderStatus.CHOICES)
    previous_status = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.previous_status or '∅'} → {self.status}"


class Return(models.Model):
    """A customer return or an RTO (return to origin: the courier could not deliver) of an
    order, as a channel reports it (Flipkart returns API, file imports; later Shopify refunds
    and courier RTO). Unique on (account, external_id), the channel's return id.

    ``order`` is null while the order itself has not been imported yet (``order_external_id``
    keeps the link, and the next import attaches it). Restocking on receipt / QC is the
    inventory's business and happens through the stock ledger.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="returns")
    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="returns"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    channel = models.CharField(max_length=40)
    external_id = models.CharField(max_length=255)
    order_external_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=ReturnKind.CHOICES)
    status = models.CharField(max_length=20, choices=ReturnStatus.CHOICES)
    reason = models.CharField(max_length=255, blank=True)
    sub_reason = models.CharField(max_length=255, blank=True)
    tracking_id = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField()
    source_updated_at = models.DateTimeField()
    # Set when the goods came back and were inspected (``inventory.services.return_receive``).
    received_at = models.DateTimeField(null=True, blank=True)
    # Write-back of the return status to the channel (Shopify: note and tags on the order).
    channel_synced_status = models.CharField(max_length=20, blank=True)
    channel_sync_error = models.CharField(max_length=1000, blank=True)
    # What the channel's mapping says of the return (``ReturnDTO``), so queries never read
    # ``raw``: the channel return ids it took over, whether the channel still reports it open
    # and can re-read it through its order, and the units the channel restocked for it
    # (``[{"sku", "quantity", "at": ISO-8601 UTC or null}]``).
    supersedes = models.JSONField(default=list, blank=True)
    channel_open = models.BooleanField(default=False)
    refreshable = models.BooleanField(default=False)
    restocks = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="uniq_return_external")
        ]
        indexes = [models.Index(fields=["account", "order_external_id"])]

    def __str__(self) -> str:
        return f"{self.channel} return {self.external_id} ({self.status})"


class OrderLineRemoval(models.Model):
    """Units removed from an order line before they shipped, as the channel reported them
    (Shopify ``refunds/create`` and the returns poll: refund lines with ``restock_type``
    ``cancel``, restocked, or ``no_restock`` on an unshipped line, not restocked). Unique on
    (account, external_id) = ``refund:<refund id>:<line item id>``, so a refund seen by webhook
    and by poll is one row.

    The order's reservation follows the line's current quantity (``OrderItem``); these rows are
    the timed record the channel ledger (``channel_stock.services.levels``) needs: a
    restocked removal at ``removed_at`` is Shopify's own +``quantity`` to ``available``."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="+"
    )
    external_id = models.CharField(max_length=255)
    order_external_id = models.CharField(max_length=255)
    order_item_external_id = models.CharField(max_length=255)
    sku = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField()
    restocked = models.BooleanField()
    removed_at = models.DateTimeField()
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-removed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="uniq_line_removal_external"
            )
        ]
        indexes = [
            models.Index(fields=["account", "sku", "removed_at"], name="orders_removal_sku_idx"),
            models.Index(fields=["account", "order_external_id"], name="orders_removal_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity} removed from order {self.order_external_id}"


class ReturnDisposition(models.Model):
    """What the channel did with ``quantity`` returned units of one return line once they came
    back (Shopify ``ReverseFulfillmentOrderDisposition``, read with the return): restocked at
    ``location_id`` (the channel's ``available`` rose there), not restocked, processing
    required or missing. Unique on (account, external_id), the disposition's id.

    Shopify gives no time for a disposition (2025-01), so each is bounded: it happened after
    ``not_before`` (the channel's last change of the order Sangam had read before, when it was
    not there yet; else the order's placement) and by ``seen_at`` (when Sangam first read it).
    The channel ledger (``channel_stock.services.levels``) counts a restock as Shopify's own
    +``quantity`` at that location only in a window holding that whole span.
    ``received_quantity`` is what Sangam booked from it as a receipt of the return
    (``returns.services.imports.return_dispositions_import``)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "integrations.ChannelAccount", on_delete=models.CASCADE, related_name="+"
    )
    return_request = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="dispositions"
    )
    external_id = models.CharField(max_length=255)
    order_item_external_id = models.CharField(max_length=255)
    sku = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField()
    disposition = models.CharField(max_length=30, choices=DispositionType.CHOICES)
    location_id = models.CharField(max_length=255, blank=True)
    not_before = models.DateTimeField()
    seen_at = models.DateTimeField()
    received_quantity = models.PositiveIntegerField(default=0)
    raw = models.JSONField(default=dict, blank=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-seen_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="uniq_return_disposition_external"
            )
        ]
        indexes = [
            models.Index(fields=["account", "sku", "seen_at"], name="orders_disposition_sku_idx")
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity} {self.disposition}"


class ReturnItemQuerySet(MerchantScopedQuerySet):
    merchant_lookup = "return_request__merchant"


class ReturnItem(models.Model):
    """A returned line: ``quantity`` units of ``sku`` from the order item
    ``order_item_external_id`` of the return's order."""

    # No foreign key to OrderItem: an order update replaces its items (and a cascade would put
    # the item delete of every import on the slow path); the line is found by its external id
    # within the return's order (``order_item``).
    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="items")
    order_item_external_id = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField()
    # Units put back into stock (QC passed) and written off (QC failed), through the ledger.
    restocked_quantity = models.PositiveIntegerField(default=0)
    written_off_quantity = models.PositiveIntegerField(default=0)

    objects = ReturnItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["return_request", "order_item_external_id"], name="uniq_return_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"

    @property
    def order_item(self) -> OrderItem | None:
        """The returned order line, once the return's order is imported."""
        order_id = self.return_request.order_id
        if order_id is None:
            return None
        return OrderItem.objects.filter(
            order_id=order_id, external_id=self.order_item_external_id
        ).first()
