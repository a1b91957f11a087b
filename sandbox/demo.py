"""The demo: a working hub connected to the sandbox through the real OAuth flow over HTTP.

Used by ``manage.py demo``. The hub is served by an in-process threaded WSGI server at
``PUBLIC_BASE_URL`` (unless a server already answers there); a ``requests`` session plays the
merchant's browser: log in, start the Shopify install, approve it on the sandbox's authorize
page, follow the signed callback. The callback stores the token, registers webhooks and queues
the initial sync, whose progress is read from the ``SyncRun`` rows (the same data the dashboard
shows) and drawn as progress bars.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Merchant, Role
from integrations.models import ChannelAccount, SyncRun, SyncStatus, WebhookEvent, WebhookStatus

logger = logging.getLogger(__name__)

DEMO_MERCHANT = "demo"
DEMO_USER = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login
DEMO_SHOP = "sangam-demo.myshopify.com"
DEMO_AMAZON_SELLER = "A2SANGAMDEMO01"
DEMO_AMAZON_CLIENT_ID = "amzn1.application-oa2-client.sangamdemo"
DEMO_FLIPKART_APP = "sangam-demo-fk-app"
DEMO_MEESHO_SUPPLIER = "MEESHO-DEMO-101"


class DemoError(RuntimeError):
    """A demo step failed; the message says which and why."""


@dataclass
class FormSpec:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Collects the forms of a page with their input values (for the sandbox approve page)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[FormSpec] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                FormSpec(values.get("action", ""), values.get("method", "get").lower())
            )
        elif (
            tag in ("input", "button")
            and self.forms
            and values.get("name")
            and (values.get("type", "text") not in ("checkbox", "radio") or "checked" in values)
        ):
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def parse_forms(html: str) -> list[FormSpec]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        logger.debug(format, *args)


class InProcessServer:
    """The hub (and sandbox) served on ``host:port`` from a background thread."""

    def __init__(self, host: str, port: int) -> None:
        self.httpd = ThreadedWSGIServer((host, port), _QuietHandler, allow_reuse_address=True)
        self.httpd.daemon_threads = True
        self.httpd.set_app(StaticFilesHandler(get_wsgi_application()))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def server_answers(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/accounts/login/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def ensure_demo_tenant(*, reset: bool) -> tuple[Merchant, object]:
    """The demo merchant and its owner ``demo``/``demo`` (staff, so the admin works too)."""
    user_model = get_user_model()
    with transaction.atomic():
        if reset:
            Merchant.objects.filter(slug=DEMO_MERCHANT).delete()
        merchant, _ = Merchant.objects.get_or_create(
            slug=DEMO_MERCHANT, defaults={"name": "Demo Brand (Sandbox)"}
        )
        user, _ = user_model.objects.get_or_create(username=DEMO_USER)
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.get_or_create(
            user=user, merchant=merchant, defaults={"role": Role.OWNER}
        )
    return merchant, user


def browser_login(
    base_url: str, username: str = DEMO_USER, password: str = DEMO_PASSWORD
) -> requests.Session:
    """A browser-like session logged in through the login form (CSRF included)."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/accounts/login/", timeout=30)
    token = browser.cookies.get("csrftoken", "")
    response = browser.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise DemoError(f"Login as {username} failed (HTTP {response.status_code}).")
    return browser


def oauth_install(browser: requests.Session, base_url: str, shop: str) -> str:
    """Start the install, approve it on the sandbox, and return the callback URL to follow."""
    start = browser.get(
        f"{base_url}/channels/shopify/oauth/install",
        params={"shop": shop, "sandbox": "1"},
        allow_redirects=False,
        timeout=30,
    )
    if start.status_code != 302:
        raise DemoError(f"Install refused (HTTP {start.status_code}): {start.text[:200]}")
    authorize_url = start.headers["Location"]
    page = browser.get(authorize_url, timeout=30)
    forms = [f for f in parse_forms(page.text) if f.method == "post"]
    if page.status_code != 200 or not forms:
        raise DemoError(f"The sandbox approve page did not load (HTTP {page.status_code}).")
    form = forms[0]
    approve = browser.post(
        urljoin(page.url, form.action or page.url),
        data=form.fields,
        allow_redirects=False,
        timeout=30,
    )
    if approve.status_code != 302:
        raise DemoError(f"The sandbox did not redirect back (HTTP {approve.status_code}).")
    return approve.headers["Location"]


def follow_callback(browser: requests.Session, callback_url: str, result: dict) -> None:
    """GET the signed callback (runs in a thread: with eager tasks it carries the first sync)."""
    try:
        response = browser.get(callback_url, allow_redirects=False, timeout=1800)
        result["status"] = response.status_code
        result["body"] = response.text[:300]
    except requests.RequestException as exc:
        result["status"] = 0
        result["body"] = str(exc)


def watch_runs(
    account_id_getter: Callable[[], int | None],
    done: Callable[[], bool],
    on_progress: Callable[[list[SyncRun]], None],
    *,
    timeout: float = 900,
    on_takeover: Callable[[SyncRun, SyncRun], None] | None = None,
) -> list[SyncRun]:
    """Poll the account's sync runs until ``done()`` and none is active; report each poll.

    An active run that nobody executes any more (its process exited, as when an earlier demo
    was stopped mid-sync, or its heartbeat stopped: ``sync_run_stale_reason``) is taken over:
    interrupted and requested again, resuming from its checkpoint in a background thread of
    this process; ``on_takeover(old, new)`` reports it. Raises ``DemoError`` after
    ``timeout`` seconds."""
    from integrations.services.sync import sync_run_take_over

    started = time.monotonic()
    runs: list[SyncRun] = []
    while time.monotonic() - started < timeout:
        account_id = account_id_getter()
        if account_id:
            runs = list(SyncRun.objects.filter(account_id=account_id).order_by("pk"))
            on_progress(runs)
            active = [r for r in runs if r.status in (SyncStatus.QUEUED, SyncStatus.RUNNING)]
            if done() and runs and not active:
                return runs
            for run in active:
                new = sync_run_take_over(run, background=True)
                if new is not None and on_takeover is not None:
                    on_takeover(run, new)
        time.sleep(0.5)
    raise DemoError("The sync did not finish in time.")


def wait_for_webhooks(since_pk: int, expected: int, timeout: float = 120) -> list[WebhookEvent]:
    """Wait until at least ``expected`` events newer than ``since_pk`` arrived and none of them
    is still waiting to be processed (a worker may process them after the answer)."""
    started = time.monotonic()
    events: list[WebhookEvent] = []
    while time.monotonic() - started < timeout:
        events = list(WebhookEvent.objects.filter(pk__gt=since_pk))
        pending = [e for e in events if e.status == WebhookStatus.RECEIVED]
        if len(events) >= expected and not pending:
            return events
        time.sleep(0.3)
    return events


def demo_account(merchant: Merchant) -> ChannelAccount | None:
    return ChannelAccount.objects.filter(
        merchant=merchant, provider="shopify", external_id=DEMO_SHOP
    ).first()


def base_host_port() -> tuple[str, int]:
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)


def seed_marketplaces(*, reset: bool, amazon_orders: int, flipkart_orders: int) -> None:
    """Seed the Amazon and Flipkart sandboxes with sellers listing the demo store's catalog
    (same SKUs), and the Delhivery sandbox's demo client, unless they already exist and
    ``reset`` is false."""
    from sandbox.amazon import services as amazon
    from sandbox.amazon.models import SandboxAmazonSeller
    from sandbox.delhivery import seed as delhivery
    from sandbox.delhivery.models import SandboxDelhiveryClient
    from sandbox.flipkart import services as flipkart
    from sandbox.flipkart.models import SandboxFlipkartSeller

    if reset or not SandboxAmazonSeller.objects.filter(seller_id=DEMO_AMAZON_SELLER).exists():
        amazon.seed_seller(
            seller_id=DEMO_AMAZON_SELLER,
            shop=DEMO_SHOP,
            orders=amazon_orders,
            days=90,
            client_id=DEMO_AMAZON_CLIENT_ID,
        )
        # Reports move IN_QUEUE → IN_PROGRESS → DONE over polls, as on Amazon, but quickly.
        amazon.set_job_polls(DEMO_AMAZON_SELLER, queue=1, progress=1)
    if reset or not SandboxFlipkartSeller.objects.filter(application_id=DEMO_FLIPKART_APP).exists():
        flipkart.seed_seller(
            application_id=DEMO_FLIPKART_APP, shop=DEMO_SHOP, orders=flipkart_orders, days=60
        )
    # The couriers: a Delhivery client with its static token (no push URL until one is set)
    # and a Shiprocket API user (its webhook URL set once the account is connected).
    if reset or not SandboxDelhiveryClient.objects.filter(name=delhivery.DEMO_CLIENT).exists():
        delhivery.seed_client()
    from sandbox.shiprocket import seed as shiprocket
    from sandbox.shiprocket.models import SandboxShiprocketUser

    if reset or not SandboxShiprocketUser.objects.filter(email=shiprocket.DEMO_EMAIL).exists():
        shiprocket.seed_user()


def connect_marketplaces(merchant: Merchant) -> list[ChannelAccount]:
    """Connect the sandbox Amazon and Flipkart sellers with their API credentials (verified over
    HTTP against the sandbox, as for a real seller), and add the Meesho supplier account.
    An account already connected is left as it is. Returns the accounts whose first sync was
    started (it runs in the background; watch it with :func:`watch_runs`)."""
    from integrations.services.accounts import connect_with_credentials
    from sandbox.amazon import services as amazon

    started = []
    wanted = [
        (
            "amazon",
            DEMO_AMAZON_SELLER,
            {
                "seller_id": DEMO_AMAZON_SELLER,
                "lwa_client_id": DEMO_AMAZON_CLIENT_ID,
                "lwa_client_secret": "sandbox-secret",
                "refresh_token": amazon.refresh_token(DEMO_AMAZON_SELLER),
            },
        ),
        (
            "flipkart",
            DEMO_FLIPKART_APP,
            {
                "application_id": DEMO_FLIPKART_APP,
                "application_secret": "sandbox-secret",
                "location_id": "LOCa1b2c3d4e5",
            },
        ),
        ("meesho", DEMO_MEESHO_SUPPLIER, {"supplier_id": DEMO_MEESHO_SUPPLIER}),
    ]
    for provider, key, data in wanted:
        existing = ChannelAccount.objects.filter(
            merchant=merchant, provider=provider, external_id=key, status="connected"
        ).first()
        if existing is not None:
            continue
        account = connect_with_credentials(
            merchant=merchant,
            provider=provider,
            data={**data, "store_name": "Demo Brand"} if provider == "meesho" else data,
            use_sandbox=provider != "meesho",
        )
        if provider != "meesho":
            started.append(account)
    return started


def connect_courier(merchant: Merchant) -> ChannelAccount:
    """Connect the Delhivery sandbox's demo client with its API token (checked over HTTP, as
    for a real client) and give the sandbox the hub's scan-push URL with the push token the
    connect issued, as a merchant would give it to Delhivery. An account already connected is
    left as it is."""
    from integrations.services.accounts import connect_with_credentials
    from sandbox.delhivery import seed as delhivery
    from sandbox.delhivery.models import SandboxDelhiveryClient

    account = ChannelAccount.objects.filter(
        merchant=merchant, provider="delhivery", external_id=delhivery.DEMO_CLIENT
    ).first()
    if account is None or account.status != "connected":
        account = connect_with_credentials(
            merchant=merchant,
            provider="delhivery",
            data={
                "api_token": delhivery.default_token(delhivery.DEMO_CLIENT),
                "client_name": delhivery.DEMO_CLIENT,
                "pickup_location": delhivery.DEMO_WAREHOUSE,
                "pickup_pincode": delhivery.DEMO_PIN,
            },
            use_sandbox=True,
        )
        account.refresh_from_db()
    push_token = account.get_credentials().get("push_token", "")
    if push_token:
        SandboxDelhiveryClient.objects.filter(name=delhivery.DEMO_CLIENT).update(
            push_url=f"{settings.PUBLIC_BASE_URL}/api/webhooks/delhivery/{push_token}"
        )
    return account


def connect_shiprocket(merchant: Merchant) -> ChannelAccount:
    """Connect the Shiprocket sandbox's demo API user (login checked over HTTP; the token is
    kept for its 10 days) and give the sandbox the hub's tracking-webhook URL with the push
    token as its ``x-api-key``, as a merchant would paste them into Shiprocket's settings.
    An account already connected is left as it is."""
    from integrations.connectors.shiprocket import webhooks
    from integrations.services.accounts import connect_with_credentials
    from sandbox.shiprocket import seed as shiprocket
    from sandbox.shiprocket.models import SandboxShiprocketUser

    account = ChannelAccount.objects.filter(
        merchant=merchant, provider="shiprocket", external_id=shiprocket.DEMO_EMAIL
    ).first()
    if account is None or account.status != "connected":
        account = connect_with_credentials(
            merchant=merchant,
            provider="shiprocket",
            data={
                "email": shiprocket.DEMO_EMAIL,
                "password": shiprocket.DEMO_PASSWORD,
                "pickup_location": shiprocket.DEMO_PICKUP,
                "pickup_postcode": shiprocket.DEMO_PIN,
            },
            use_sandbox=True,
        )
        account.refresh_from_db()
    push_token = account.get_credentials().get("push_token", "")
    if push_token:
        SandboxShiprocketUser.objects.filter(email=shiprocket.DEMO_EMAIL).update(
            webhook_url=f"{settings.PUBLIC_BASE_URL}/api/webhooks/{webhooks.URL_SLUG}/{push_token}",
            webhook_token=push_token,
        )
    return account


def demo_courier_rules(merchant: Merchant, delhivery: ChannelAccount, shiprocket: ChannelAccount):
    """The demo's courier rules: prepaid orders go by Shiprocket (its recommended courier),
    everything else (COD) by Delhivery, the default."""
    from shipments.models import CourierRule

    if CourierRule.objects.filter(merchant=merchant).exists():
        return
    CourierRule.objects.create(
        merchant=merchant,
        name="Prepaid: Shiprocket",
        priority=10,
        payment_method="prepaid",
        account=shiprocket,
    )
    CourierRule.objects.create(
        merchant=merchant, name="Default: Delhivery", priority=100, account=delhivery
    )


def demo_ndr_rules(merchant: Merchant) -> None:
    """Two NDR rules a D2C seller typically starts with: a refusal at the door goes back
    (RTO) at once; a first failed attempt of a COD order (customer unavailable or an address
    issue) is re-attempted. Anything else waits in the NDR queue for a person."""
    from integrations.dto import NdrAction, NdrReason
    from shipments.models import NdrRule

    if NdrRule.objects.filter(merchant=merchant).exists():
        return
    NdrRule.objects.create(
        merchant=merchant,
        name="Refused at the door: return",
        priority=10,
        ndr_reasons=[NdrReason.REFUSED],
        action=NdrAction.RTO,
    )
    NdrRule.objects.create(
        merchant=merchant,
        name="COD first attempt: re-attempt",
        priority=20,
        payment_method="cod",
        max_attempts=1,
        ndr_reasons=[NdrReason.CUSTOMER_UNAVAILABLE, NdrReason.ADDRESS_ISSUE],
        action=NdrAction.REATTEMPT,
    )


def ship_demo_orders(
    merchant: Merchant, couriers: Sequence[ChannelAccount], *, count: int, days: int
):
    """Book up to ``count`` of the store's confirmed, self-fulfilled orders, each with the
    courier the merchant's courier rules pick (``demo_courier_rules``; serviceability checked
    per pincode and payment mode), render their labels, then move both courier sandboxes'
    clocks ``days`` on in 6-hour steps, each step sending the scans that became due to the
    hub's inbox (Delhivery's scan push, Shiprocket's tracking webhook), and read every
    shipment still open once by the poll of each courier account (the safety net). NDR rules
    (``demo_ndr_rules``) answer failed attempts as the scans arrive; the re-attempts Delhivery
    takes only after 21:00 IST are sent when the sandbox's clock passes it, as the 15-minute
    due run would.
    Returns the ``Booking``."""
    from orders.models import Order
    from sandbox.delhivery import clock, push
    from sandbox.shiprocket import clock as shiprocket_clock
    from sandbox.shiprocket import push as shiprocket_push
    from shipments.services.booking import shipments_book
    from shipments.services.labels import shipments_label
    from shipments.services.ndr import ndr_actions_send_due
    from shipments.services.tracking import shipments_track_account

    demo_ndr_rules(merchant)
    orders = list(
        Order.objects.for_merchant(merchant)
        .filter(
            account__provider="shopify",
            status="confirmed",
            unfulfillable=False,
            fulfilled_by_channel=False,
            shipments__isnull=True,
        )
        .exclude(ship_address1="")
        .order_by("-placed_at")[:count]
    )
    booking = shipments_book(orders=orders)  # each by the merchant's courier rules
    if booking.shipments:
        shipments_label(shipment_ids=[s.pk for s in booking.shipments])
    for _ in range(days * 4):
        push.deliver_due()
        shiprocket_push.deliver_due()
        ndr_actions_send_due(now=clock.now())
        clock.advance(6 * 3600)
        shiprocket_clock.advance(6 * 3600)
    push.deliver_due()
    shiprocket_push.deliver_due()
    for courier in couriers:
        shipments_track_account(account_id=courier.pk)
    return booking


def import_meesho_sample(merchant: Merchant, *, rows: int, directory: Path) -> SyncRun:
    """Write a Meesho Supplier Panel orders export for the demo catalog (with two broken rows,
    as real exports sometimes have) and import it like an upload. Returns its run."""
    from django.core.files import File

    from integrations.services.files import file_import_start
    from inventory.models import Variant
    from sandbox.files.exports import write_meesho_orders_csv

    account = ChannelAccount.objects.get(
        merchant=merchant, provider="meesho", external_id=DEMO_MEESHO_SUPPLIER
    )
    skus = [
        (v.sku, v.title or v.product.title, v.price)
        for v in Variant.objects.filter(merchant=merchant).select_related("product")[:80]
    ]
    if not skus:
        raise DemoError("The catalog is empty: sync the Shopify store first.")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "Meesho Orders demo.csv"
    write_meesho_orders_csv(
        path, skus=skus, rows=rows, start=timezone.localdate() - timedelta(days=30), bad_rows=2
    )
    with open(path, "rb") as handle:
        _record, run = file_import_start(account=account, upload=File(handle, name=path.name))
    run.refresh_from_db()
    return run


def manage_stock_everywhere(merchant: Merchant) -> dict[str, str]:
    """Make Sangam the stock master of the demo: find the Amazon and Flipkart listings of the
    catalog (matched by SKU), switch "Sangam manages stock" on for Shopify, Amazon and Flipkart
    and push available-to-sell to every listing. Returns a line per account for the console."""
    from channel_stock.services.listings import listings_discover
    from channel_stock.services.push import account_set_manages_stock, stock_push_account
    from integrations.http import ConnectorError
    from inventory.models import PushState

    lines: dict[str, str] = {}
    accounts = ChannelAccount.objects.filter(
        merchant=merchant, provider__in=("shopify", "amazon", "flipkart"), status="connected"
    ).order_by("pk")
    for account in accounts:
        found = ""
        if account.provider != "shopify":
            try:
                result = listings_discover(account=account)
                found = f"{result.created + result.updated} listings found, "
            except ConnectorError as exc:
                lines[str(account)] = f"listing lookup failed: {exc}"
                continue
        if not account.manages_stock:
            account_set_manages_stock(account=account, enabled=True)
        stock_push_account(account_id=account.pk, reason="connect")  # anything still pending
        matched = account.listings.filter(variant__isnull=False)
        pushed = matched.filter(last_push_status__in=(PushState.OK, PushState.WARNING)).count()
        failed = matched.filter(last_push_status=PushState.FAILED).count()
        lines[str(account)] = f"{found}{matched.count()} matched; {pushed} pushed, {failed} failed"
    return lines


def sandbox_channel_quantities(skus: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """What the sandbox Amazon and Flipkart sellers offer for ``skus``: {sku: (amazon,
    flipkart)} (None: not listed there)."""
    from sandbox.amazon import services as amazon
    from sandbox.flipkart import services as flipkart

    quantities = {}
    for sku in skus:
        try:
            on_amazon: int | None = amazon.listing_quantity(DEMO_AMAZON_SELLER, sku)
        except LookupError:
            on_amazon = None
        quantities[sku] = (on_amazon, flipkart.listing_inventory(DEMO_FLIPKART_APP, sku))
    return quantities


def demo_skus_listed() -> list[str]:
    """Every SKU of the demo store's sandbox catalog."""
    from sandbox.shopify.models import SandboxVariant

    return list(
        SandboxVariant.objects.filter(shop__domain=DEMO_SHOP)
        .exclude(sku="")
        .values_list("sku", flat=True)
    )


def shopify_returns(account: ChannelAccount, shop: str = DEMO_SHOP) -> list[str]:
    """Three Shopify returns in the demo store, on the three latest shipped orders without one:
    a customer's request still waiting for approval, a return approved and refunded with
    restock (its ``refunds/create`` webhook makes the hub read the return), and a return whose
    unit the merchant restocked in the Shopify admin when it came back (a ``RESTOCKED``
    disposition: its ``orders/updated`` makes the hub read the return and book the receipt,
    QC passed). Then the returns poll reads the request. Returns one line per Sangam
    ``Return`` made, e.g. ``#1042-R1: Requested, 1 × KURTA-M``; none when the store has no
    three such orders."""
    from integrations.services.sync import request_sync
    from orders.models import Return
    from sandbox.shopify import returns as sandbox_returns
    from sandbox.shopify import services as sandbox
    from sandbox.shopify.models import SandboxLineItem, SandboxReturn

    shipped = (
        SandboxLineItem.objects.filter(
            order__shop__domain=shop,
            order__cancelled_at__isnull=True,
            fulfilled_quantity__gte=1,
            current_quantity__gte=1,
        )
        .exclude(order__in=SandboxReturn.objects.values("order"))
        .select_related("order", "order__shop")
        .order_by("-order__created_at", "id")
    )
    picked: list[SandboxLineItem] = []
    for line in shipped[:50]:
        if all(line.order_id != p.order_id for p in picked):
            picked.append(line)
        if len(picked) == 3:
            break
    if len(picked) < 3:
        return []
    waiting, refunded, restocked = picked
    requested = sandbox_returns.request_return(
        waiting.order, {waiting.id: 1}, reason="SIZE_TOO_SMALL", note="Too tight", approve=False
    )
    approved = sandbox_returns.request_return(
        refunded.order, {refunded.id: 1}, reason="DEFECTIVE", note="Loose stitching"
    )
    last_event = WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sandbox.refund_order(
        refunded.order,
        lines={refunded.id: 1},
        restock=True,
        note="Refund for the returned kurta",
        return_request=approved,
    )
    wait_for_webhooks(last_event, expected=1)
    came_back = sandbox_returns.request_return(
        restocked.order, {restocked.id: 1}, reason="STYLE", note="Not my style"
    )
    request_sync(account=account, streams=["returns"])
    last_event = WebhookEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sandbox_returns.dispose_return(came_back, {restocked.id: 1})
    wait_for_webhooks(last_event, expected=2)
    lines = []
    for ret, item in ((requested, waiting), (approved, refunded), (came_back, restocked)):
        stored = Return.objects.filter(account=account, external_id=f"return:{ret.id}").first()
        status = stored.get_status_display() if stored else "not read yet"
        lines.append(f"{ret.name}: {status}, 1 × {item.sku}")
    return lines
