"""Every GraphQL document Sangam sends to the Shopify Admin API (2025-01 schema).

Each is validated against ``shared/reference/shopify/admin_schema_2025-01.json.gz`` by
``tests/integrations/test_shopify_graphql_documents.py``; ``ALL_DOCUMENTS`` is that list.
``VERSIONED_DOCUMENTS`` are sent only from a later configured API version and are validated
against that version's schema.
Source: https://shopify.dev/docs/api/admin-graphql/2025-01 .

Bulk queries (``bulkOperationRunQuery``) take a query string with no ``first``/``after`` and use
``edges { node }``; their result is JSONL where nested connection rows carry ``__parentId``.
Because fragments are written out (bulk queries do not accept them), the selections are kept as
string constants and composed.
"""

from __future__ import annotations

_MONEY = "shopMoney { amount currencyCode }"

ORDER_SCALARS = f"""
    id
    legacyResourceId
    name
    createdAt
    updatedAt
    processedAt
    cancelledAt
    cancelReason
    closedAt
    displayFinancialStatus
    displayFulfillmentStatus
    currencyCode
    paymentGatewayNames
    email
    phone
    tags
    test
    sourceName
    subtotalPriceSet {{ {_MONEY} }}
    totalDiscountsSet {{ {_MONEY} }}
    totalShippingPriceSet {{ {_MONEY} }}
    totalTaxSet {{ {_MONEY} }}
    totalPriceSet {{ {_MONEY} }}
    customer {{ id displayName }}
    shippingAddress {{ name address1 address2 phone city province provinceCode zip countryCodeV2 }}
"""

LINE_ITEM_FIELDS = f"""
    id
    sku
    name
    quantity
    currentQuantity
    variant {{ id }}
    originalUnitPriceSet {{ {_MONEY} }}
    totalDiscountSet {{ {_MONEY} }}
    taxLines {{ rate priceSet {{ {_MONEY} }} }}
"""

# Line items fetched inline with each order; orders with more are completed by ORDER_LINE_ITEMS.
ORDER_LINE_ITEMS_PAGE = 5

# The shop and the access scopes the merchant granted this app (shopify.dev queries/
# currentAppInstallation, objects/AccessScope: no scope needed to read either).
SHOP_QUERY = """
query SangamShop {
  shop { name myshopifyDomain currencyCode ianaTimezone }
  currentAppInstallation { accessScopes { handle } }
}
"""

ORDERS_QUERY = f"""
query SangamOrders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {ORDER_SCALARS}
      lineItems(first: {ORDER_LINE_ITEMS_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {LINE_ITEM_FIELDS} }}
      }}
    }}
  }}
}}
"""

ORDERS_COUNT_QUERY = """
query SangamOrdersCount($query: String) {
  ordersCount(query: $query, limit: null) { count precision }
}
"""

ORDER_LINE_ITEMS_QUERY = f"""
query SangamOrderLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    id
    lineItems(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {LINE_ITEM_FIELDS} }}
    }}
  }}
}}
"""

PRODUCT_FIELDS = """
    id
    title
    handle
    vendor
    productType
    status
    updatedAt
"""

VARIANT_FIELDS = """
    id
    title
    sku
    barcode
    price
    compareAtPrice
    updatedAt
    selectedOptions { name value }
    inventoryItem { id }
"""

PRODUCTS_QUERY = f"""
query SangamProducts($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {PRODUCT_FIELDS}
      variants(first: 100) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {VARIANT_FIELDS} }}
      }}
    }}
  }}
}}
"""

PRODUCT_VARIANTS_COUNT_QUERY = """
query SangamProductVariantsCount {
  productVariantsCount { count precision }
}
"""

INVENTORY_LEVEL_NAMES = ("available", "on_hand", "committed")

INVENTORY_ITEMS_QUERY = """
query SangamInventoryItems($first: Int!, $after: String) {
  inventoryItems(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      sku
      variant { id }
      inventoryLevels(first: 10) {
        nodes {
          id
          updatedAt
          location { id }
          quantities(names: ["available", "on_hand", "committed"]) { name quantity }
        }
      }
    }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation SangamWebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic callbackUrl format apiVersion { handle } createdAt }
    userErrors { field message }
  }
}
"""

WEBHOOK_SUBSCRIPTIONS_QUERY = """
query SangamWebhookSubscriptions($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id topic callbackUrl format apiVersion { handle } createdAt }
  }
}
"""

WEBHOOK_SUBSCRIPTION_DELETE = """
mutation SangamWebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""

BULK_OPERATION_RUN_QUERY = """
mutation SangamBulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION_QUERY = """
query SangamBulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation {
      id
      status
      errorCode
      createdAt
      completedAt
      objectCount
      rootObjectCount
      fileSize
      url
      partialDataUrl
    }
  }
}
"""


# --- stock push and read-back (shopify.dev "inventorySetQuantities", "Manage inventory
# quantities"; channel-apis.md §1.2). ``nodes(ids:)`` answers in the order of ``ids`` with null
# for an id that does not exist (Relay object identification); it costs one node per id.
INVENTORY_AT_LOCATION_QUERY = """
query SangamInventoryAtLocation($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        location { id }
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}
"""

# For listings whose location Sangam does not know: an item stocked at exactly one location
# is unambiguous, so two levels are enough to tell.
INVENTORY_ITEM_LOCATIONS_QUERY = """
query SangamInventoryItemLocations($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevels(first: 2) {
        nodes {
          location { id }
          quantities(names: ["available"]) { name quantity }
        }
      }
    }
  }
}
"""

_SET_QUANTITIES_RESULT = """
    inventoryAdjustmentGroup {
      id reason referenceDocumentUri
      changes(quantityNames: ["available"]) {
        name delta quantityAfterChange item { id } location { id }
      }
    }
    userErrors { code field message }
"""

# Up to 2025-10: rows carry ``compareQuantity``.
INVENTORY_SET_QUANTITIES = f"""
mutation SangamInventorySetQuantities($input: InventorySetQuantitiesInput!) {{
  inventorySetQuantities(input: $input) {{{_SET_QUANTITIES_RESULT}  }}
}}
"""

# From 2026-01 (required from 2026-04): rows carry ``changeFromQuantity`` and the field an
# idempotency key, one UUID per distinct request (shopify.dev changelog "Concurrency protection
# features for inventory and refund mutations"; docs "Idempotent requests").
INVENTORY_SET_QUANTITIES_IDEMPOTENT = f"""
mutation SangamInventorySetQuantities(
  $input: InventorySetQuantitiesInput!, $idempotencyKey: String!
) {{
  inventorySetQuantities(input: $input)
    @idempotent(key: $idempotencyKey) {{{_SET_QUANTITIES_RESULT}  }}
}}
"""


def node_connection_query(
    name: str, type_name: str, field: str, fields: str, *, first: int = 100
) -> str:
    """The query reading the next pages (``first`` nodes each, from ``$after``) of the connection
    ``field`` of the ``type_name`` node ``$id``, each node with ``fields``: what
    ``client.all_nodes`` runs after the first page came inline with its parent."""
    return f"""
query {name}($id: ID!, $after: String) {{
  node(id: $id) {{
    ... on {type_name} {{
      id
      {field}(first: {first}, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {fields} }}
      }}
    }}
  }}
}}
"""


# --- refunds: the returns stream (shopify.dev objects/Refund, objects/RefundLineItem,
# objects/Fulfillment; 2025-01). ``Order.refunds`` and ``Order.fulfillments`` are plain lists
# (no ``first`` needed: an order has few of either; a list costs one element).
REFUND_LINE_ITEM_FIELDS = f"""
    id
    quantity
    restockType
    location {{ id }}
    lineItem {{ id sku }}
    subtotalSet {{ {_MONEY} }}
    totalTaxSet {{ {_MONEY} }}
"""

# Refund lines fetched inline with each refund (7 points each); refunds with more are completed
# by REFUND_LINE_ITEMS. An order then costs 1 + 1 + 1 + (2 + 10 × 7) = 75 points (and about
# one actual point without refunds: on Shopify's 50 points/s restore a first poll of 3,000
# orders takes about a minute, which is why returns are read in their own query only for
# the orders that have some).
REFUND_LINE_ITEMS_PAGE = 10


def _order_refunds_fields(linked_return: str) -> str:
    return f"""
      id
      updatedAt
      returnStatus
      refunds {{
        id
        createdAt
        note
        {linked_return}
        refundLineItems(first: {REFUND_LINE_ITEMS_PAGE}) {{
          pageInfo {{ hasNextPage endCursor }}
          nodes {{ {REFUND_LINE_ITEM_FIELDS} }}
        }}
      }}
"""


# ``Refund.return`` is a ``Return``, which needs ``read_returns``; a token without it reads the
# ``_WITHOUT_RETURNS`` documents (refunds only; ``Order.returnStatus`` needs no such scope).
ORDER_REFUNDS_FIELDS = _order_refunds_fields("return { id }")
ORDER_REFUNDS_FIELDS_WITHOUT_RETURNS = _order_refunds_fields("")


def _order_refunds_queries(suffix: str, fields: str) -> tuple[str, str]:
    page = f"""
query SangamOrderRefunds{suffix}($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {fields} }}
  }}
}}
"""
    one = f"""
query SangamOrderRefundsOfOrder{suffix}($id: ID!) {{
  order(id: $id) {{ {fields} }}
}}
"""
    return page, one


# A page of the returns stream, and one order's refunds (for a ``refunds/create`` webhook of a
# refund made for a return, whose returns are then read with ORDER_RETURNS_QUERY; 75 points).
ORDER_REFUNDS_QUERY, ORDER_REFUNDS_OF_ORDER_QUERY = _order_refunds_queries("", ORDER_REFUNDS_FIELDS)
ORDER_REFUNDS_WITHOUT_RETURNS_QUERY, ORDER_REFUNDS_OF_ORDER_WITHOUT_RETURNS_QUERY = (
    _order_refunds_queries("WithoutReturns", ORDER_REFUNDS_FIELDS_WITHOUT_RETURNS)
)

REFUND_LINE_ITEMS_QUERY = node_connection_query(
    "SangamRefundLineItems", "Refund", "refundLineItems", REFUND_LINE_ITEM_FIELDS
)

# Shopify returns of one order (shopify.dev objects/Return, objects/ReturnLineItem; 2025-01):
# read for the orders whose ``returnStatus`` is not ``NO_RETURN`` or with a refund made for a
# return. ``returnLineItems`` are ``ReturnLineItemType``s: a ``ReturnLineItem`` (a shipped
# fulfillment line, 3 points) or an ``UnverifiedReturnLineItem`` (no line item: a return made
# outside Shopify's fulfillment, which Sangam cannot match to an order line).
RETURN_LINE_ITEM_FIELDS = """
    __typename
    ... on ReturnLineItem {
      id
      quantity
      returnReason
      returnReasonNote
      customerNote
      fulfillmentLineItem { id lineItem { id sku } }
    }
    ... on UnverifiedReturnLineItem { id quantity returnReason returnReasonNote customerNote }
"""

# How the goods of an approved return were taken back (shopify.dev objects/
# ReverseFulfillmentOrder, objects/ReverseFulfillmentOrderLineItem,
# objects/ReverseFulfillmentOrderDisposition; 2025-01): each line's returned fulfillment line
# and its dispositions (restocked at a location, not restocked, missing, processing required).
# ``dispositions`` is a plain list. 5 points a line.
REVERSE_LINE_FIELDS = """
    id
    totalQuantity
    fulfillmentLineItem { id lineItem { id sku } }
    dispositions { id quantity type location { id } }
"""

REVERSE_LINES_PAGE = 10
REVERSE_FULFILLMENT_ORDERS_PAGE = 2

REVERSE_FULFILLMENT_ORDER_FIELDS = f"""
    id
    status
    lineItems(first: {REVERSE_LINES_PAGE}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {REVERSE_LINE_FIELDS} }}
    }}
"""

# Returns per page, and lines and reverse fulfillment orders read inline with each:
# 1 + 5 × (… + 20 × 3 + 2 × (…+ 10 × 5)) = 863 points, under the 1,000-point single-query
# limit; longer returns are completed by RETURN_LINE_ITEMS_QUERY,
# REVERSE_FULFILLMENT_ORDERS_QUERY and REVERSE_LINES_QUERY, more returns by the next page.
ORDER_RETURNS_PAGE = 5
RETURN_LINE_ITEMS_PAGE = 20

ORDER_RETURNS_QUERY = f"""
query SangamOrderReturns($id: ID!, $after: String) {{
  order(id: $id) {{
    id
    returns(first: {ORDER_RETURNS_PAGE}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id
        name
        status
        decline {{ reason note }}
        returnLineItems(first: {RETURN_LINE_ITEMS_PAGE}) {{
          pageInfo {{ hasNextPage endCursor }}
          nodes {{ {RETURN_LINE_ITEM_FIELDS} }}
        }}
        reverseFulfillmentOrders(first: {REVERSE_FULFILLMENT_ORDERS_PAGE}) {{
          pageInfo {{ hasNextPage endCursor }}
          nodes {{ {REVERSE_FULFILLMENT_ORDER_FIELDS} }}
        }}
      }}
    }}
  }}
}}
"""

RETURN_LINE_ITEMS_QUERY = node_connection_query(
    "SangamReturnLineItems", "Return", "returnLineItems", RETURN_LINE_ITEM_FIELDS
)

# More reverse fulfillment orders of a return (10 a page, each with its first lines: 533
# points) and more lines of one (100 a page: 503 points).
REVERSE_FULFILLMENT_ORDERS_QUERY = node_connection_query(
    "SangamReverseFulfillmentOrders",
    "Return",
    "reverseFulfillmentOrders",
    REVERSE_FULFILLMENT_ORDER_FIELDS,
    first=10,
)
REVERSE_LINES_QUERY = node_connection_query(
    "SangamReverseLines", "ReverseFulfillmentOrder", "lineItems", REVERSE_LINE_FIELDS
)

# Which lines had shipped, and when: read only for orders with a refund line whose restock
# type alone does not decide (``NO_RESTOCK`` outside a Shopify return). 204 points.
ORDER_FULFILLMENTS_QUERY = """
query SangamOrderFulfillments($id: ID!) {
  order(id: $id) {
    id
    fulfillments {
      id
      createdAt
      status
      fulfillmentLineItems(first: 100) {
        pageInfo { hasNextPage endCursor }
        nodes { lineItem { id } }
      }
    }
  }
}
"""

FULFILLMENT_LINE_ITEMS_QUERY = node_connection_query(
    "SangamFulfillmentLineItems", "Fulfillment", "fulfillmentLineItems", "lineItem { id }"
)

# A return's status on its order (``returns.writeback``): the order's current tags and note,
# then ``orderUpdate(input: {id, tags, note})``
# (shopify.dev/docs/api/admin-graphql/2025-01/mutations/orderUpdate; needs ``write_orders``).
ORDER_TAGS_QUERY = """
query OrderTagsAndNote($id: ID!) {
  order(id: $id) { id note tags }
}
"""

ORDER_UPDATE = """
mutation OrderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id note tags }
    userErrors { field message }
  }
}
"""

# Fulfilment write-back (``write_fulfillment``): the order's fulfillment orders with what is
# left to ship on them, then ``fulfillmentCreate`` of the open ones with the tracking.
ORDER_FULFILLMENT_ORDERS_QUERY = """
query OrderFulfillmentOrders($id: ID!, $first: Int!, $lineItems: Int!) {
  order(id: $id) {
    id
    displayFulfillmentStatus
    fulfillmentOrders(first: $first) {
      nodes {
        id
        status
        supportedActions { action }
        lineItems(first: $lineItems) { nodes { id remainingQuantity } }
      }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""

# Delivery progress on that fulfillment (``write_fulfillment_event``):
# shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentEventCreate.
FULFILLMENT_EVENT_CREATE = """
mutation FulfillmentEventCreate($fulfillmentEvent: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $fulfillmentEvent) {
    fulfillmentEvent { id status happenedAt }
    userErrors { field message }
  }
}
"""


def bulk_orders_query(search: str | None) -> str:
    """The inner query of an orders backfill bulk operation (line items as child rows).

    ``search`` is a Shopify search string such as ``updated_at:>='2024-01-01T00:00:00Z'``."""
    args = "sortKey: UPDATED_AT"
    if search:
        escaped = search.replace("\\", "\\\\").replace('"', '\\"')
        args = f'query: "{escaped}", {args}'
    return f"""
{{
  orders({args}) {{
    edges {{
      node {{
        {ORDER_SCALARS}
        lineItems {{ edges {{ node {{ {LINE_ITEM_FIELDS} }} }} }}
      }}
    }}
  }}
}}
"""


def bulk_products_query() -> str:
    """The inner query of a catalog bulk operation (variants as child rows)."""
    return f"""
{{
  products {{
    edges {{
      node {{
        {PRODUCT_FIELDS}
        variants {{ edges {{ node {{ {VARIANT_FIELDS} }} }} }}
      }}
    }}
  }}
}}
"""


def bulk_inventory_query() -> str:
    """The inner query of an inventory snapshot bulk operation (levels as child rows)."""
    return """
{
  inventoryItems {
    edges {
      node {
        id
        sku
        variant { id }
        inventoryLevels {
          edges {
            node {
              id
              updatedAt
              location { id }
              quantities(names: ["available", "on_hand", "committed"]) { name quantity }
            }
          }
        }
      }
    }
  }
}
"""


OPERATIONS = {
    "shop": SHOP_QUERY,
    "orders": ORDERS_QUERY,
    "orders_count": ORDERS_COUNT_QUERY,
    "order_line_items": ORDER_LINE_ITEMS_QUERY,
    "products": PRODUCTS_QUERY,
    "product_variants_count": PRODUCT_VARIANTS_COUNT_QUERY,
    "inventory_items": INVENTORY_ITEMS_QUERY,
    "webhook_subscription_create": WEBHOOK_SUBSCRIPTION_CREATE,
    "webhook_subscriptions": WEBHOOK_SUBSCRIPTIONS_QUERY,
    "webhook_subscription_delete": WEBHOOK_SUBSCRIPTION_DELETE,
    "bulk_operation_run_query": BULK_OPERATION_RUN_QUERY,
    "bulk_operation": BULK_OPERATION_QUERY,
    "inventory_at_location": INVENTORY_AT_LOCATION_QUERY,
    "inventory_item_locations": INVENTORY_ITEM_LOCATIONS_QUERY,
    "inventory_set_quantities": INVENTORY_SET_QUANTITIES,
    "order_refunds": ORDER_REFUNDS_QUERY,
    "refund_line_items": REFUND_LINE_ITEMS_QUERY,
    "order_fulfillments": ORDER_FULFILLMENTS_QUERY,
    "order_refunds_of_order": ORDER_REFUNDS_OF_ORDER_QUERY,
    "order_refunds_without_returns": ORDER_REFUNDS_WITHOUT_RETURNS_QUERY,
    "order_refunds_of_order_without_returns": ORDER_REFUNDS_OF_ORDER_WITHOUT_RETURNS_QUERY,
    "order_returns": ORDER_RETURNS_QUERY,
    "return_line_items": RETURN_LINE_ITEMS_QUERY,
    "reverse_fulfillment_orders": REVERSE_FULFILLMENT_ORDERS_QUERY,
    "reverse_lines": REVERSE_LINES_QUERY,
    "fulfillment_line_items": FULFILLMENT_LINE_ITEMS_QUERY,
}

# Documents for later API versions only, validated against that version's schema (the 2025-01
# one with the version's documented changes: ``sandbox.shopify.graphql.versions``):
# name → (first API version, document).
VERSIONED_DOCUMENTS: dict[str, tuple[str, str]] = {
    "inventory_set_quantities_idempotent": ("2026-01", INVENTORY_SET_QUANTITIES_IDEMPOTENT),
}

# ``OPERATIONS`` run read-only against the sandbox (tests/sandbox/shopify/test_graphql.py); the
# write-back documents need a ``write_orders`` token (tests/sandbox/shopify/test_order_update.py)
# or ``write_merchant_managed_fulfillment_orders`` (tests/sandbox/shopify/test_fulfillment.py).
ALL_DOCUMENTS: dict[str, str] = {
    **OPERATIONS,
    "order_tags_and_note": ORDER_TAGS_QUERY,
    "order_update": ORDER_UPDATE,
    "order_fulfillment_orders": ORDER_FULFILLMENT_ORDERS_QUERY,
    "fulfillment_create": FULFILLMENT_CREATE,
    "fulfillment_event_create": FULFILLMENT_EVENT_CREATE,
    "bulk_orders_inner": bulk_orders_query("updated_at:>='2024-01-01T00:00:00Z'"),
    "bulk_products_inner": bulk_products_query(),
    "bulk_inventory_inner": bulk_inventory_query(),
}
