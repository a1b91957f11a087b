"""Shopify OAuth and webhook signatures against the published test vectors
(shared/reference/channel-apis.md §1.1 and §1.3)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from integrations.connectors.shopify.signatures import (
    is_valid_shop_domain,
    oauth_hmac,
    oauth_message,
    verify_oauth_hmac,
    verify_webhook_hmac,
    webhook_hmac,
)

# (secret, params, expected lower-case hex) — channel-apis.md §1.1 "Test vectors".
OAUTH_VECTORS = [
    pytest.param(
        "hush",
        {
            "code": "0907a61c0c8d55e99db179b68161bc00",
            "shop": "some-shop.myshopify.com",
            "timestamp": "1337178173",
        },
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20",
        id="exshopify-docs-example",
    ),
    pytest.param(
        "hush",
        {
            "code": "0907a61c0c8d55e99db179b68161bc00",
            "shop": "some-shop.myshopify.com",
            "state": "0.6784241404160823",
            "timestamp": "1337178173",
        },
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf",
        id="docs-example-with-state",
    ),
    pytest.param(
        "hush",
        {
            "code": "a94a110d86d2452eb3e2af4cfb8a3828",
            "shop": "some-shop.myshopify.com",
            "timestamp": "1337178173",
        },
        "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
        id="python-lib-test_hmac_calculation",
    ),
    pytest.param(
        "API_SECRET_KEY",
        {
            "code": "somecode",
            "host": "host",
            "shop": "some-shop.myshopify.com",
            "state": "1234",
            "timestamp": "123456",
        },
        "d7591e2c6e30a97f3eacf1f824ef316842a1b0f3dde947b5043d5331e42086fd",
        id="ruby-lib-hmac_validator_test",
    ),
]


@pytest.mark.parametrize(("secret", "params", "expected"), OAUTH_VECTORS)
def test_oauth_hmac_matches_the_published_vector(secret, params, expected):
    assert oauth_hmac(params, secret) == expected


@pytest.mark.parametrize(("secret", "params", "expected"), OAUTH_VECTORS)
def test_oauth_hmac_ignores_parameter_order_and_the_hmac_and_signature_params(
    secret, params, expected
):
    shuffled = list(reversed(list(params.items()))) + [("hmac", "x"), ("signature", "y")]
    assert oauth_hmac(shuffled, secret) == expected


@pytest.mark.parametrize(("secret", "params", "expected"), OAUTH_VECTORS)
def test_verify_oauth_hmac_accepts_each_vector(secret, params, expected):
    assert verify_oauth_hmac({**params, "hmac": expected}, secret) is True


def test_list_param_vector_is_the_python_libs_rendering_not_the_form_encoded_one():
    """``ids[]=[2,1]`` is signed by shopify_python_api as ``ids=["2", "1"]`` (unescaped);
    ``oauth_message`` form-encodes values like the JS/Ruby libraries (channel-apis.md §1.1), so
    that vector can only be checked on the already-rendered message. The check below proves
    the vector is exactly HMAC-SHA256 over that rendered string, and that Sangam's
    form-encoding of the same pair differs (what JS/Ruby would sign)."""
    rendered = 'ids=["2", "1"]&shop=some-shop.myshopify.com'
    expected = "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e"
    assert hmac.new(b"hush", rendered.encode(), hashlib.sha256).hexdigest() == expected
    message = oauth_message({"ids": '["2", "1"]', "shop": "some-shop.myshopify.com"})
    assert message == "ids=%5B%222%22%2C+%221%22%5D&shop=some-shop.myshopify.com"
    assert oauth_hmac({"ids": '["2", "1"]', "shop": "some-shop.myshopify.com"}, "hush") != expected


def test_oauth_message_form_encodes_spaces_as_plus_like_the_js_library():
    params = {
        "code": "some code goes here",
        "shop": "the shop URL",
        "state": "some nonce passed from auth",
        "timestamp": "1700000000",
        "hmac": "ignored",
    }
    assert oauth_message(params) == (
        "code=some+code+goes+here&shop=the+shop+URL&state=some+nonce+passed+from+auth"
        "&timestamp=1700000000"
    )


VALID_CALLBACK = {
    "code": "0907a61c0c8d55e99db179b68161bc00",
    "shop": "some-shop.myshopify.com",
    "timestamp": "1337178173",
    "hmac": "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20",
}


@pytest.mark.parametrize(
    ("params", "secret"),
    [
        pytest.param({**VALID_CALLBACK, "shop": "other-shop.myshopify.com"}, "hush", id="shop"),
        pytest.param({**VALID_CALLBACK, "code": "0" * 32}, "hush", id="code"),
        pytest.param({**VALID_CALLBACK, "timestamp": "1337178174"}, "hush", id="timestamp"),
        pytest.param({**VALID_CALLBACK, "state": "added"}, "hush", id="added-param"),
        pytest.param(VALID_CALLBACK, "hush!", id="wrong-secret"),
        pytest.param(VALID_CALLBACK, "", id="empty-secret"),
        pytest.param(
            {k: v for k, v in VALID_CALLBACK.items() if k != "hmac"}, "hush", id="no-hmac"
        ),
        pytest.param({**VALID_CALLBACK, "hmac": ""}, "hush", id="empty-hmac"),
        pytest.param(
            {**VALID_CALLBACK, "hmac": VALID_CALLBACK["hmac"].upper()}, "hush", id="upper-hex"
        ),
    ],
)
def test_verify_oauth_hmac_rejects_tampered_or_unsigned_callbacks(params, secret):
    assert verify_oauth_hmac(params, secret) is False


def test_verify_oauth_hmac_accepts_the_untampered_callback():
    """Control for the rejection table: the same callback untouched verifies."""
    assert verify_oauth_hmac(VALID_CALLBACK, "hush") is True


WEBHOOK_BODY = b'{"foo": "bar"}'
WEBHOOK_SIGNATURE = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="


def test_webhook_hmac_matches_the_js_library_vector():
    assert webhook_hmac(WEBHOOK_BODY, "test_secret_key") == WEBHOOK_SIGNATURE


@pytest.mark.parametrize(
    ("body", "given", "secrets", "expected"),
    [
        pytest.param(WEBHOOK_BODY, WEBHOOK_SIGNATURE, ["test_secret_key"], True, id="valid"),
        pytest.param(
            WEBHOOK_BODY, WEBHOOK_SIGNATURE, ["old", "", "test_secret_key"], True, id="any-secret"
        ),
        pytest.param(b'{"foo":"bar"}', WEBHOOK_SIGNATURE, ["test_secret_key"], False, id="body"),
        pytest.param(WEBHOOK_BODY, WEBHOOK_SIGNATURE, ["other"], False, id="wrong-secret"),
        pytest.param(WEBHOOK_BODY, WEBHOOK_SIGNATURE, [], False, id="no-secrets"),
        pytest.param(WEBHOOK_BODY, "", ["test_secret_key"], False, id="empty-header"),
        pytest.param(WEBHOOK_BODY, None, ["test_secret_key"], False, id="missing-header"),
        pytest.param(
            WEBHOOK_BODY, WEBHOOK_SIGNATURE.lower(), ["test_secret_key"], False, id="case"
        ),
    ],
)
def test_verify_webhook_hmac_table(body, given, secrets, expected):
    assert verify_webhook_hmac(body, given, secrets) is expected


@pytest.mark.parametrize(
    ("shop", "valid"),
    [
        ("some-shop.myshopify.com", True),
        ("a.myshopify.com", True),
        ("shop123.myshopify.com", True),
        ("My-Store.myshopify.com", True),
        ("UPPER.myshopify.com", True),
        ("evil.com", False),
        ("a.myshopify.com.evil.com", False),
        ("-x.myshopify.com", False),
        ("myshopify.com", False),
        (".myshopify.com", False),
        ("shop.shopify.com", False),
        ("shop.myshopify.io", False),
        ("shop.myshopify.com/", False),
        ("shop.myshopify.com\n", False),
        ("https://shop.myshopify.com", False),
        ("shop.myshopify.com:443", False),
        ("sho p.myshopify.com", False),
        ("shop.evil.com#.myshopify.com", False),
        ("shop_x.myshopify.com", False),
        ("", False),
        (None, False),
    ],
)
def test_shop_domain_validation_table(shop, valid):
    assert is_valid_shop_domain(shop) is valid
