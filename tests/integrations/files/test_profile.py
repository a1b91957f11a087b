"""Column-mapping profiles: plain JSON, merged over the default, validated, matched to headers."""

from __future__ import annotations

import json

import pytest

from integrations.connectors.files.ajio import AjioConnector
from integrations.connectors.files.errors import ProfileError
from integrations.connectors.files.meesho import MeeshoConnector
from integrations.connectors.files.myntra import MyntraConnector
from integrations.connectors.files.profile import (
    ORDER_FIELDS,
    describe_fields,
    merge_profile,
    normalize_header,
    resolve_columns,
    validate_profile,
)
from integrations.dto import OrderStatus

CONNECTORS = [MeeshoConnector, MyntraConnector, AjioConnector]


@pytest.mark.parametrize("cls", CONNECTORS, ids=lambda c: c.id)
def test_default_profiles_are_plain_json_and_valid(cls):
    profile = cls.default_profile
    assert json.loads(json.dumps(profile)) == profile
    validated = validate_profile(profile)
    assert set(validated["columns"]) <= set(ORDER_FIELDS)
    assert set(validated["status_map"].values()) <= {s for s, _ in OrderStatus.CHOICES}
    assert validated["timezone"] == "Asia/Kolkata"


def test_an_override_replaces_entries_and_null_removes_one():
    profile = merge_profile(
        MeeshoConnector.default_profile,
        {
            "columns": {"sku": "Style Code", "size": None},
            "status_map": {"Lost In Space": "cancelled", "DELIVERED": "shipped"},
            "header_row_search": 3,
        },
    )
    assert profile["columns"]["sku"] == ["Style Code"]
    assert "size" not in profile["columns"]
    assert profile["columns"]["order_id"][0] == "Sub Order No"
    assert profile["status_map"]["LOST_IN_SPACE"] == OrderStatus.CANCELLED
    assert profile["status_map"]["DELIVERED"] == OrderStatus.SHIPPED
    assert profile["status_map"]["RTO_COMPLETE"] == OrderStatus.RETURNED
    assert profile["header_row_search"] == 3
    assert MeeshoConnector.default_profile["columns"]["sku"] == ["SKU", "Supplier SKU"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"colums": {}}, "unknown profile keys: colums"),
        ({"columns": {"order_number": "X"}}, "unknown order fields order_number"),
        ({"columns": {"sku": None}}, "columns.sku: required field has no column and no default"),
        ({"columns": {"sku": []}}, "columns.sku: expected a header name"),
        ({"columns": {"tax": {"add": ["A"]}}}, "the only object form"),
        ({"status_map": {"DELIVERED": "done"}}, "status_map.DELIVERED: 'done' is not one of"),
        ({"date_formats": ["yyyy-mm-dd"]}, "date_formats"),
        ({"header_row_search": 0}, "header_row_search"),
        ({"default_payment_method": "upi"}, "default_payment_method"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"defaults": {"quantity": 1}}, "defaults"),
    ],
)
def test_bad_profiles_are_refused_naming_the_key(override, message):
    with pytest.raises(ProfileError, match=message):
        merge_profile(MeeshoConnector.default_profile, override)


def test_headers_match_ignoring_case_spaces_underscores_and_dots():
    assert normalize_header(" Order_Release  ID. ") == normalize_header("order release id")


def test_columns_resolve_to_the_first_accepted_variant_present():
    profile = validate_profile(MeeshoConnector.default_profile)
    headers = ["sub order no.", "ORDER DATE", "Supplier SKU", "qty", "Listing Price (Incl. taxes)"]
    columns, missing = resolve_columns(profile, headers)
    assert missing == []
    assert columns["order_id"] == ("sub order no.",)
    assert columns["sku"] == ("Supplier SKU",)
    assert columns["quantity"] == ("qty",)
    assert columns["unit_price"] == ("Listing Price (Incl. taxes)",)
    assert "status" not in columns


def test_a_sum_column_resolves_to_every_listed_header_present():
    profile = validate_profile(AjioConnector.default_profile)
    headers = ["Cust Order No", "Cust Order Date", "Seller SKU", "Order Qty", "Selling Price"]
    columns, _ = resolve_columns(profile, [*headers, "IGST_AMOUNT", "cgst amount"])
    assert columns["tax"] == ("cgst amount", "IGST_AMOUNT")


def test_missing_required_fields_are_reported_unless_defaulted():
    meesho = validate_profile(MeeshoConnector.default_profile)
    _, missing = resolve_columns(meesho, ["Sub Order No", "Order Date", "SKU"])
    assert missing == ["quantity", "unit_price"]
    myntra = validate_profile(MyntraConnector.default_profile)
    _, missing = resolve_columns(
        myntra, ["order release id", "created on", "seller sku code", "final amount"]
    )
    assert missing == []


def test_missing_fields_are_described_with_their_accepted_headers():
    profile = validate_profile(MeeshoConnector.default_profile)
    assert describe_fields(profile, ["order_date", "sku"]) == (
        "'Order Date' (order_date); one of 'SKU', 'Supplier SKU' (sku)"
    )
