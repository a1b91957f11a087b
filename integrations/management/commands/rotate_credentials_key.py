"""Re-encrypt every stored secret with the first key of ``CREDENTIALS_ENCRYPTION_KEYS``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations import crypto
from integrations.models import ChannelAccount, ProviderAppCredential


class Command(BaseCommand):
    help = (
        "Re-encrypt all stored credentials with the newest key. Prepend the new key to "
        "CREDENTIALS_ENCRYPTION_KEYS (keep the old ones), run this, then drop the old keys."
    )

    def handle(self, *args, **options) -> None:
        crypto.reset_key_cache()
        rotated = 0
        with transaction.atomic():
            for model in (ChannelAccount, ProviderAppCredential):
                for row in model.objects.select_for_update().exclude(credentials_encrypted=""):
                    try:
                        row.credentials_encrypted = crypto.rotate_token(row.credentials_encrypted)
                    except Exception as exc:  # cryptography raises InvalidToken
                        raise CommandError(
                            f"{model.__name__} {row.pk} cannot be decrypted with the configured "
                            "keys; nothing was changed."
                        ) from exc
                    model.objects.filter(pk=row.pk).update(
                        credentials_encrypted=row.credentials_encrypted
                    )
                    rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} credential records."))
