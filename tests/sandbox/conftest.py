"""Fixtures for the Shopify sandbox: a small seeded store, an access token, a GraphQL helper
(Django test client, no network), a controllable sandbox clock and a loopback HTTP receiver that
records webhook deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings

from sandbox.kernel import clock

SHOP = "kesari-test.myshopify.com"


class FakeClock:
    """Sandbox time that only moves when a test says so (``advance(seconds)``)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _sandbox_files_in_tmp(settings, tmp_path) -> None:
    """Bulk-operation results go to a per-test directory, not the project's ``var/``."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(float(int(clock.time())))
    monkeypatch.setattr(clock, "time", fake)
    return fake


@pytest.fixture
def store(db):
    """12 products / 40 variants / 80 orders over 20 days, with a roomy cost bucket."""
    from sandbox.shopify.services import seed_shop

    return seed_shop(
        shop=SHOP,
        products=12,
        variants=40,
        orders=80,
        days=20,
        seed=7,
        bucket_size=1_000_000,
        restore_rate=1000,
    )


@pytest.fixture
def app(store):
    from sandbox.shopify.models import SandboxApp

    return SandboxApp.objects.get(api_key=settings.SHOPIFY_API_KEY)


@pytest.fixture
def token(store, app) -> str:
    from sandbox.shopify.services import issue_access_token

    return issue_access_token(
        shop=SHOP,
        api_key=app.api_key,
        scope="read_orders,read_returns,read_products,write_inventory,read_locations",
    )


@dataclass
class GraphQL:
    client: Any
    token: str
    version: str = "2025-01"

    def post(
        self,
        query: str,
        variables: dict | None = None,
        *,
        token: str | None = None,
        version: str | None = None,
        shop: str = SHOP,
    ) -> Any:
        return self.client.post(
            f"/sandbox/shopify/{shop}/admin/api/{version or self.version}/graphql.json",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            HTTP_X_SHOPIFY_ACCESS_TOKEN=self.token if token is None else token,
        )

    def __call__(self, query: str, variables: dict | None = None, **kwargs: Any) -> dict:
        response = self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def gql(client, token) -> GraphQL:
    return GraphQL(client, token)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback endpoint; ``statuses`` are answered in turn (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/webhooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
