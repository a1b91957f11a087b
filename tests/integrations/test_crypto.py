"""Credentials are encrypted at rest, rotate to a new key, and never leave through the API."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection

from integrations import crypto
from integrations.models import ChannelAccount, ProviderAppCredential
from tests.factories import ChannelAccountFactory

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
SECRET = "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"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


@pytest.fixture
def use_keys(settings):
    def apply(*keys: str) -> None:
        settings.CREDENTIALS_ENCRYPTION_KEYS = list(keys)
        crypto.reset_key_cache()

    return apply


def raw_column(model, pk: int) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials_encrypted FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_stored_credentials_leave_no_plaintext_in_the_raw_column(use_keys, merchant):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(
        merchant=merchant, credentials={"access_token": TOKEN, "api_secret_key": SECRET}
    )
    raw = raw_column(ChannelAccount, account.pk)
    assert raw
    assert TOKEN not in raw
    assert SECRET not in raw
    assert "access_token" not in raw
    assert json.loads(Fernet(OLD_KEY.encode()).decrypt(raw.encode())) == {
        "access_token": TOKEN,
        "api_secret_key": SECRET,
    }


def test_credentials_round_trip_through_the_database(use_keys, merchant):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(merchant=merchant, credentials={"access_token": TOKEN})
    fresh = ChannelAccount.objects.get(pk=account.pk)
    assert fresh.get_credentials() == {"access_token": TOKEN}
    fresh.update_credentials(api_secret_key=SECRET, access_token="")
    fresh.save()
    assert ChannelAccount.objects.get(pk=account.pk).get_credentials() == {
        "access_token": TOKEN,
        "api_secret_key": SECRET,
    }


def test_empty_credentials_store_an_empty_column(use_keys, merchant):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(merchant=merchant)
    account.set_credentials({})
    account.save()
    assert raw_column(ChannelAccount, account.pk) == ""
    assert ChannelAccount.objects.get(pk=account.pk).get_credentials() == {}


def test_each_encryption_uses_a_fresh_token(use_keys):
    use_keys(OLD_KEY)
    assert crypto.encrypt_str(TOKEN) != crypto.encrypt_str(TOKEN)


def test_rotate_credentials_key_reencrypts_every_row_with_the_new_key(use_keys, merchant):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(merchant=merchant, credentials={"access_token": TOKEN})
    app = ProviderAppCredential(merchant=merchant, provider="shopify", api_key="key")
    app.set_credentials({"api_secret": SECRET})
    app.save()
    before = raw_column(ChannelAccount, account.pk)

    use_keys(NEW_KEY, OLD_KEY)
    out = io.StringIO()
    call_command("rotate_credentials_key", stdout=out)
    assert "Re-encrypted 2 credential records" in out.getvalue()

    after = raw_column(ChannelAccount, account.pk)
    assert after != before
    assert json.loads(Fernet(NEW_KEY.encode()).decrypt(after.encode())) == {"access_token": TOKEN}
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY.encode()).decrypt(after.encode())
    app_raw = raw_column(ProviderAppCredential, app.pk)
    assert json.loads(Fernet(NEW_KEY.encode()).decrypt(app_raw.encode())) == {"api_secret": SECRET}

    use_keys(NEW_KEY)
    assert ChannelAccount.objects.get(pk=account.pk).get_credentials() == {"access_token": TOKEN}
    assert ProviderAppCredential.objects.get(pk=app.pk).get_credentials() == {"api_secret": SECRET}


def test_rotation_refuses_and_changes_nothing_when_a_row_cannot_be_decrypted(use_keys, merchant):
    use_keys(OLD_KEY)
    first = ChannelAccountFactory(merchant=merchant, credentials={"access_token": TOKEN})
    use_keys(OTHER_KEY)
    second = ChannelAccountFactory(merchant=merchant, credentials={"access_token": "other"})
    before = {pk: raw_column(ChannelAccount, pk) for pk in (first.pk, second.pk)}

    use_keys(NEW_KEY, OLD_KEY)
    with pytest.raises(CommandError) as excinfo:
        call_command("rotate_credentials_key")
    assert TOKEN not in str(excinfo.value)
    assert {pk: raw_column(ChannelAccount, pk) for pk in before} == before


def test_wrong_keys_raise_credential_decrypt_error_without_the_secret(use_keys, merchant):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(merchant=merchant, credentials={"access_token": TOKEN})
    use_keys(OTHER_KEY)
    fresh = ChannelAccount.objects.get(pk=account.pk)
    with pytest.raises(crypto.CredentialDecryptError) as excinfo:
        fresh.get_credentials()
    message = str(excinfo.value)
    assert TOKEN not in message
    assert fresh.credentials_encrypted not in message
    assert OLD_KEY not in message
    assert OTHER_KEY not in message


def test_without_configured_keys_a_development_key_still_encrypts(settings, merchant):
    settings.CREDENTIALS_ENCRYPTION_KEYS = []
    crypto.reset_key_cache()
    account = ChannelAccountFactory(merchant=merchant, credentials={"access_token": TOKEN})
    assert TOKEN not in raw_column(ChannelAccount, account.pk)
    assert ChannelAccount.objects.get(pk=account.pk).get_credentials() == {"access_token": TOKEN}


@pytest.mark.parametrize(
    "url",
    [
        "/api/integrations/providers/shopify/status",
        "/api/integrations/shopify/status",
        "/api/integrations/connected-summary",
        "/api/integrations/catalog",
        "/api/webhooks/subscriptions",
    ],
)
def test_api_responses_never_contain_credentials(use_keys, api_client, merchant, url):
    use_keys(OLD_KEY)
    account = ChannelAccountFactory(
        merchant=merchant, credentials={"access_token": TOKEN, "api_secret_key": SECRET}
    )
    response = api_client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    if "status" in url or "summary" in url:
        assert account.external_id in text  # the account is in the response…
    assert TOKEN not in text  # …its secrets are not
    assert SECRET not in text
    assert account.credentials_encrypted not in text
    assert "credentials_encrypted" not in text
