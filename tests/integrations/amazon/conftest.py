"""Fixtures for the Amazon connector: a routing HTTP server on loopback (SP-API paths, LWA,
presigned document URLs; PATCH included), a connector factory bound to it with a fake clock,
and helpers to load the official sandbox examples from the SP-API models."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings

from integrations.connectors.amazon.connector import AmazonConnector
from integrations.connectors.amazon.ratelimit import LocalBucketStore
from integrations.dto import AccountHandle
from integrations.http import HttpClient
from tests.integrations.conftest import Recorded, Reply

REFERENCE = Path(django_settings.BASE_DIR).parent / "shared/reference/amazon"
SELLER = "A2SELLER0TEST"
CLIENT_ID = "amzn1.application-oa2-client.test"
CLIENT_SECRET = "amzn1.oa2-cs.v1.secret-value"
REFRESH_TOKEN = "Atzr|refresh-token-value"
ACCESS_TOKEN = "Atza|access-token-1"
ACCOUNT_ID = 7


def token_reply(token: str = ACCESS_TOKEN, expires_in: int = 3600) -> Reply:
    return Reply(
        200,
        {
            "access_token": token,
            "refresh_token": REFRESH_TOKEN,
            "token_type": "bearer",
            "expires_in": expires_in,
        },
    )


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    replies: list[Reply | Callable[[Recorded], Reply]] = field(default_factory=list)


class AmazonServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 answering by route: ``on(method, path_regex,
    *replies)`` queues replies for matching requests (the last repeats; a callable gets the
    request). Unrouted requests get 404. Every request is recorded."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no delayed-ACK stalls between header and body

            def log_message(self, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = Recorded(self.command, parts.path, parts.query, dict(self.headers), body)
                with server._lock:
                    server.requests.append(recorded)
                    reply = server._reply_for(recorded)
                if callable(reply):
                    reply = reply(recorded)
                payload = reply.body
                if not isinstance(payload, bytes | str):
                    payload = json.dumps(payload if payload is not None else {})
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def _reply_for(self, request: Recorded) -> Reply | Callable[[Recorded], Reply]:
        for route in self.routes:
            if route.method == request.method and route.pattern.fullmatch(request.path):
                return route.replies.pop(0) if len(route.replies) > 1 else route.replies[0]
        return Reply(404, {"errors": [{"code": "NotFound", "message": request.path}]})

    def on(self, method: str, path: str, *replies: Reply | Callable[[Recorded], Reply]) -> None:
        """Route ``method`` + ``path`` (a regex matched against the whole path); a later
        ``on`` for the same route replaces it."""
        self.routes = [r for r in self.routes if (r.method, r.pattern.pattern) != (method, path)]
        self.routes.insert(0, Route(method, re.compile(path), list(replies)))

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Recorded requests, filtered by method and by a path regex (full match)."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or re.fullmatch(path, r.path))
        ]

    def sp_calls(self) -> list[Recorded]:
        """Requests other than LWA token exchanges."""
        return [r for r in self.requests if r.path != "/auth/o2/token"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def query(request: Recorded) -> dict[str, str]:
    """A request's query string as single values."""
    return {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}


def form(request: Recorded) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


@cache
def model(name: str) -> dict[str, Any]:
    """An SP-API OpenAPI model from shared/reference/amazon/models."""
    return json.loads((REFERENCE / "models" / name).read_text())


def sandbox_response(name: str, path: str, method: str = "get", status: str = "200") -> Any:
    """The first ``x-amzn-api-sandbox.static`` response of an operation."""
    response = model(name)["paths"][path][method]["responses"][status]
    return response["x-amzn-api-sandbox"]["static"][0]["response"]


@cache
def feed_schema(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / "feeds" / name).read_text())


@pytest.fixture(autouse=True)
def _fresh_buckets() -> Iterator[None]:
    LocalBucketStore.reset()
    yield
    LocalBucketStore.reset()


@pytest.fixture
def amazon_server() -> Iterator[AmazonServer]:
    server = AmazonServer()
    server.on("POST", "/auth/o2/token", token_reply())
    yield server
    server.close()


@pytest.fixture
def make_connector(amazon_server, fake_clock) -> Callable[..., AmazonConnector]:
    """``make_connector(**settings)`` → an ``AmazonConnector`` whose base URL is the scripted
    server, with the fake clock for its usage plans, token expiry and HTTP backoff."""

    def make(*, credentials: dict[str, Any] | None = None, **settings: Any) -> AmazonConnector:
        http = HttpClient(
            provider="amazon", account_key=str(ACCOUNT_ID), max_retries=2, sleep=fake_clock.sleep
        )
        account = AccountHandle(
            id=ACCOUNT_ID,
            merchant_id=1,
            provider="amazon",
            external_id=SELLER,
            base_url=settings.pop("base_url", amazon_server.url),
            credentials=(
                credentials
                if credentials is not None
                else {"lwa_client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}
            ),
            settings={"seller_id": SELLER, "lwa_client_id": CLIENT_ID, **settings},
        )
        return AmazonConnector(account, http, clock=fake_clock, sleep=fake_clock.sleep)

    return make


@pytest.fixture
def connector(make_connector) -> AmazonConnector:
    return make_connector()


def report_row(**changes: str) -> dict[str, str]:
    """One row of the All Orders report (an Amazon.in FBA line), with ``changes``."""
    row = {
        "amazon-order-id": "171-1234567-7654321",
        "merchant-order-id": "",
        "purchase-date": "2024-05-01T09:28:30+05:30",
        "last-updated-date": "2024-05-03T10:00:00+00:00",
        "order-status": "Shipped",
        "fulfillment-channel": "Amazon",
        "sales-channel": "Amazon.in",
        "order-channel": "",
        "url": "",
        "ship-service-level": "Standard",
        "product-name": 'Cotton Kurta 42" Blue',
        "sku": "KURTA-BLU-M",
        "asin": "B0KURTA001",
        "item-status": "Shipped",
        "quantity": "2",
        "currency": "INR",
        "item-price": "998.00",
        "item-tax": "106.93",
        "shipping-price": "40.00",
        "shipping-tax": "4.29",
        "gift-wrap-price": "",
        "gift-wrap-tax": "",
        "item-promotion-discount": "-100.00",
        "ship-promotion-discount": "-40.00",
        "ship-city": "PUNE",
        "ship-state": "MAHARASHTRA",
        "ship-postal-code": "411001",
        "ship-country": "IN",
        "promotion-ids": "",
        "is-business-order": "false",
        "purchase-order-number": "",
        "price-designation": "",
        "is-iba": "false",
    }
    row.update(changes)
    return row
