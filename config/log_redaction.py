"""Secrets never reach the logs: a logging filter that masks credentials in query strings.

Django's development server logs every 4xx/5xx request line at WARNING with its query string
(``"GET /channels/shopify/oauth/callback?code=…&hmac=…&state=… HTTP/1.1" 400``), and so would
any access log or library that logs URLs. Shopify's OAuth callback carries the authorization
code (exchangeable for an access token until it is used) and the hmac over the parameters;
Amazon's and other providers' redirects carry codes and tokens the same way. ``RedactSecrets``
sits on the console handler (``LOGGING`` in ``config/settings.py``) and rewrites every record's
message so the value of each parameter in ``SECRET_PARAMS`` reads ``[redacted]``.
"""

from __future__ import annotations

import logging
import re

# Query/form parameters whose values are secrets: OAuth codes and tokens (Shopify, LWA, Google,
# Meta), request signatures (Shopify hmac and signature), OAuth state, passwords.
SECRET_PARAMS = (
    "code",
    "hmac",
    "signature",
    "state",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "spapi_oauth_code",
    "password",
    "token",
)
REDACTED = "[redacted]"
_PARAM = re.compile(
    r"(?P<key>(?<![\w-])(?:" + "|".join(SECRET_PARAMS) + r")=)(?P<value>[^&\s\"'#]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with the value of every ``SECRET_PARAMS`` parameter replaced by ``[redacted]``
    (``a=1&code=xyz`` → ``a=1&code=[redacted]``)."""
    return _PARAM.sub(lambda m: m.group("key") + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (with its arguments merged in) through :func:`redact`;
    keeps every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always True; the record's ``msg`` becomes the redacted message, ``args`` empty."""
        if "=" not in str(record.msg) and not record.args:
            return True  # nothing that could carry a parameter: most records
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the formatter
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
