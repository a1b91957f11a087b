"""Sangam settings: everything comes from the environment (django-environ), with safe first-run
defaults: SQLite under ``var/``, eager Celery tasks, the sandbox enabled in DEBUG.

See ``.env.example`` for every variable and what it does.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Secrets that have a development default. With DEBUG=False each must be set explicitly in the
# environment (or .env) and SECRET_KEY must not be empty: startup fails naming every one that
# is not; `manage.py check --deploy` reports any still equal to its development default
# (integrations.checks, sangam.E001). The demo (DEBUG) and the tests (tests/conftest.py) set
# their own values.
DEV_SECRET_DEFAULTS = {
    "SECRET_KEY": "dev-insecure-sangam-secret-key-change-me",
    "SHOPIFY_API_SECRET": "sangam-dev-app-secret",
}
if not DEBUG:
    _missing = [name for name in DEV_SECRET_DEFAULTS if name not in os.environ]
    if not os.environ.get("SECRET_KEY"):
        _missing = list(dict.fromkeys(["SECRET_KEY", *_missing]))
    if _missing:
        raise ImproperlyConfigured(
            f"{', '.join(_missing)} must be set when DEBUG=False: the development default of "
            "each is public (see .env.example)."
        )
SECRET_KEY = env.str("SECRET_KEY", default="") or DEV_SECRET_DEFAULTS["SECRET_KEY"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "accounts",
    "integrations",
    "orders",
    "inventory",
    "shipments",
    "marketing",
    "finance",
    "returns",
    "channel_stock",
]
# The fake providers (a development and test tool, never a part of the product): installed,
# with their tables and URLs (config/urls.py), only where the sandbox is enabled. Their app
# labels (sandbox, sandbox_amazon, sandbox_flipkart) keep the existing migrations' names.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
SANDBOX_APPS = [
    "sandbox",  # the demo's orchestration (manage.py demo); no models
    "sandbox.shopify",
    "sandbox.amazon",
    "sandbox.flipkart",
    "sandbox.delhivery",
    "sandbox.shiprocket",
]
if SANDBOX_ENABLED:
    _after_integrations = INSTALLED_APPS.index("integrations") + 1
    INSTALLED_APPS[_after_integrations:_after_integrations] = SANDBOX_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.MerchantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.merchant",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sangam.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + a busy timeout let the sandbox's server thread and the
    # hub write to one SQLite file without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not :memory:) so live-server threads share it; one per process so concurrent
    # test runs never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = (
    []
    if DEBUG
    else [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    ]
)

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded seller-panel exports (Meesho/Myntra/Ajio) wait here for their import run.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
# Limits on what an uploaded export may expand to before it is parsed (an XLSX is a zip; see
# integrations/connectors/files/limits.py for what each bounds). Bytes unless named otherwise.
FILE_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "FILE_IMPORT_MAX_UNCOMPRESSED_BYTES", default=512 * 1024 * 1024
)
FILE_IMPORT_MAX_ZIP_ENTRIES = env.int("FILE_IMPORT_MAX_ZIP_ENTRIES", default=1000)
FILE_IMPORT_MAX_COMPRESSION_RATIO = env.int("FILE_IMPORT_MAX_COMPRESSION_RATIO", default=100)
FILE_IMPORT_MAX_SHARED_STRINGS_BYTES = env.int(
    "FILE_IMPORT_MAX_SHARED_STRINGS_BYTES", default=24 * 1024 * 1024
)
FILE_IMPORT_MAX_ROWS = env.int("FILE_IMPORT_MAX_ROWS", default=200_000)
FILE_IMPORT_MAX_COLUMNS = env.int("FILE_IMPORT_MAX_COLUMNS", default=512)
FILE_IMPORT_MAX_CELL_CHARS = env.int("FILE_IMPORT_MAX_CELL_CHARS", default=10_000)
FILE_IMPORT_MAX_ROW_CHARS = env.int("FILE_IMPORT_MAX_ROW_CHARS", default=32_768)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache("CACHE_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Credentials encryption (integrations.crypto) ------------------------------------------------
CREDENTIALS_ENCRYPTION_KEYS = env.list("CREDENTIALS_ENCRYPTION_KEYS", default=[])
if not CREDENTIALS_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "CREDENTIALS_ENCRYPTION_KEYS must be set when DEBUG=False "
        "(generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )

# --- Providers ------------------------------------------------------------------------------------
# SANDBOX_ENABLED is read above, with INSTALLED_APPS.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SHOPIFY_API_KEY = env.str("SHOPIFY_API_KEY", default="sangam-dev-app")
SHOPIFY_API_SECRET = env.str(
    "SHOPIFY_API_SECRET", default=DEV_SECRET_DEFAULTS["SHOPIFY_API_SECRET"]
)
SHOPIFY_SCOPES = env.str(
    "SHOPIFY_SCOPES",
    default=(
        "read_orders,write_orders,read_returns,read_products,read_inventory,write_inventory,"
        "write_merchant_managed_fulfillment_orders"
    ),
)
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2025-01")
SHOPIFY_ADMIN_SCHEMA_PATH = Path(
    env.str(
        "SHOPIFY_ADMIN_SCHEMA_PATH",
        default=str(
            BASE_DIR.parent / "shared" / "reference" / "shopify" / "admin_schema_2025-01.json.gz"
        ),
    )
)
# Seconds of overlap re-read by incremental syncs, so records updated while a page was being
# read are not missed.
SYNC_OVERLAP_SECONDS = env.int("SYNC_OVERLAP_SECONDS", default=300)
# Amazon: how far back the first incremental getOrders looks when there is no cursor, and how
# much order history the first sync backfills through reports (30-day report windows).
AMAZON_DEFAULT_LOOKBACK_DAYS = env.int("AMAZON_DEFAULT_LOOKBACK_DAYS", default=30)
AMAZON_BACKFILL_DAYS = env.int("AMAZON_BACKFILL_DAYS", default=365)
# Seconds between getReport/getFeed polls (Amazon's reports take minutes; the sandbox's seconds).
AMAZON_REPORT_POLL_SECONDS = env.float("AMAZON_REPORT_POLL_SECONDS", default=15.0)
AMAZON_FEED_POLL_SECONDS = env.float("AMAZON_FEED_POLL_SECONDS", default=30.0)
# A running sync beats every SYNC_HEARTBEAT_SECONDS (a thread, through every long wait); one
# whose last beat is older than SYNC_STALE_AFTER_SECONDS, or whose owner process on this host
# has exited, is taken over by the next request for it and resumed from its checkpoint. A run
# still queued (its task not yet started) after SYNC_QUEUED_STALE_SECONDS is taken over too.
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=10.0)
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=60)
SYNC_QUEUED_STALE_SECONDS = env.int("SYNC_QUEUED_STALE_SECONDS", default=900)
# Seconds a worker keeps a shop's webhook key ring (decrypted secrets, in process memory only).
# A secret changed within this window is learnt at most this late; Shopify retries meanwhile.
WEBHOOK_KEYS_CACHE_SECONDS = env.int("WEBHOOK_KEYS_CACHE_SECONDS", default=10)
# Seconds after which an event still "received" is considered stranded (its queue message
# lost) and is processed by the inbox sweep.
WEBHOOK_STRANDED_SECONDS = env.int("WEBHOOK_STRANDED_SECONDS", default=120)
HTTP_TIMEOUT_CONNECT = env.float("HTTP_TIMEOUT_CONNECT", default=5.0)
HTTP_TIMEOUT_READ = env.float("HTTP_TIMEOUT_READ", default=60.0)
HTTP_MAX_RETRIES = env.int("HTTP_MAX_RETRIES", default=4)
HTTP_BACKOFF_MAX_SECONDS = env.float("HTTP_BACKOFF_MAX_SECONDS", default=30.0)

# --- Authentication -------------------------------------------------------------------------
# Login lockout (django-axes, accounts/lockout.py) on the dashboard, admin and API token logins.
# Axes' backend goes first: it refuses a locked-out client before the password is checked.
# Every authenticate() call must pass the request (the test client's login() does not; tests
# use force_login).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
# Failed logins of one username from one address before that pair is locked...
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
# ...and failed logins from one address (any usernames) before the address is locked.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
# Minutes a lockout lasts, counted from the last failure (failures older than this are forgotten).
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# Reverse proxies in front of the hub that append to X-Forwarded-For (0: use REMOTE_ADDR).
LOGIN_TRUSTED_PROXY_COUNT = env.int("LOGIN_TRUSTED_PROXY_COUNT", default=0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours, as axes reads a float
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# Seconds an API token (POST /api/auth/token) is accepted after it was issued (default 30 days).
API_TOKEN_TTL_SECONDS = env.int("API_TOKEN_TTL_SECONDS", default=30 * 24 * 3600)

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: unauthenticated calls answer 401 with "WWW-Authenticate: Token".
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsMerchantMember"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested too deeply answers 400 (accounts/params.py), not a RecursionError's 500.
    "DEFAULT_PARSER_CLASSES": [
        "accounts.params.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sangam API",
    "DESCRIPTION": "Multichannel commerce operations hub: integrations, orders, stock.",
    "VERSION": "0.1.0",
    # One name per choice set, used wherever a field carries it (without these, fields named
    # "status" and "kind" collide and get hashed names such as Status6e4Enum).
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "integrations.dto.OrderStatus.CHOICES",
        "ReturnStatusEnum": "integrations.dto.ReturnStatus.CHOICES",
        "ReturnKindEnum": "integrations.dto.ReturnKind.CHOICES",
        "PaymentMethodEnum": "integrations.dto.PaymentMethod.CHOICES",
        "PushStateEnum": "inventory.models.PushState",
        "SyncStatusEnum": "integrations.models.SyncStatus",
        "AccountStatusEnum": "integrations.models.AccountStatus",
        "MovementKindEnum": "inventory.models.MovementKind",
        "ShipmentStatusEnum": "integrations.dto.ShipmentStatus.CHOICES",
        "NdrReasonEnum": "integrations.dto.NdrReason.CHOICES",
        "NdrActionEnum": "integrations.dto.NdrAction.CHOICES",
        "NdrSentActionEnum": "integrations.dto.NdrAction.SENT_CHOICES",
    },
}

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Task priorities on the Redis broker (0 is taken first; kombu keeps one list per step and the
# worker drains them in order): the stock push and its feed outcome (``TASK_PRIORITY_STOCK``)
# go before order webhooks (``TASK_PRIORITY_ORDERS``, they reserve stock), which go before
# everything else (catalog and inventory-level webhooks, syncs, reports). Without this a
# burst of webhooks queued the push behind hundreds of tasks (bench/stock_propagation.py).
# "Routing Tasks → Redis Message Priorities", docs.celeryq.dev.
TASK_PRIORITY_STOCK = 0
TASK_PRIORITY_ORDERS = 3
CELERY_TASK_DEFAULT_PRIORITY = 6
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "priority_steps": [0, 3, 6, 9],
    "sep": ":",
    "queue_order_strategy": "priority",
}
CELERY_TIMEZONE = "Asia/Kolkata"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Every connected commerce account's orders and returns, each account its own task.
    "commerce-order-sync": {
        "task": "integrations.tasks.sync_all_accounts_task",
        "schedule": crontab(minute="*/10"),
        "args": (["orders", "returns"],),
    },
    # Amazon orders backfilled from reports (no payment column) get their payment method
    # from getOrders, a few calls a run, between the order syncs.
    "order-payments-refresh": {
        "task": "orders.tasks.order_payments_refresh_task",
        "schedule": crontab(minute="5-59/10"),
    },
    "webhook-retry": {
        "task": "integrations.tasks.retry_failed_webhooks_task",
        "schedule": crontab(minute="*/5"),
    },
    # Safety net of the stock push: listings whose push is due (a lost task, a backoff ended).
    "stock-push-sweep": {
        "task": "channel_stock.tasks.push_due_task",
        "schedule": crontab(minute="*"),
    },
    # The tracking poll, the safety net of the couriers' scan pushes (issue 20): open
    # shipments of every courier account, inside each courier's request budget.
    "shipments-tracking-poll": {
        "task": "shipments.tasks.shipments_track_all_task",
        "schedule": crontab(minute="*/30"),
    },
    # NDR actions held until the courier takes them (Delhivery: re-attempts after 21:00 IST)
    # or whose sending failed.
    "shipments-ndr-actions": {
        "task": "shipments.tasks.ndr_actions_send_due_task",
        "schedule": crontab(minute="*/15"),
    },
    # Nightly rescore of open COD orders' RTO risk: the history moved during the day.
    "rto-risk-recompute": {
        "task": "shipments.tasks.rto_risk_recompute_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Nightly drift check of every managed listing (CELERY_TIMEZONE is Asia/Kolkata).
    "stock-drift-check": {
        "task": "channel_stock.tasks.drift_check_all_task",
        "schedule": crontab(hour=3, minute=0),
    },
}

# Hooks (integrations/hooks.py): a lower layer triggers a higher one through the functions
# named here, never by importing it (DESIGN.md "Layers"; docs/architecture.md).
# Stock moved → mark the variants' listings for the push (the channel stock, above the ledger).
STOCK_CHANGED_HOOKS = ["channel_stock.services.push.listings_mark_changed"]
# A manual adjustment or count freed units → allocate them to backorders (the order book).
STOCK_FREED_HOOKS = ["orders.services.orders.backorders_allocate"]
# Orders written → link the returns that came first, re-read the open ones (the returns).
# … and score the new COD orders' RTO risk (the shipments).
ORDERS_IMPORTED_HOOKS = [
    "returns.services.imports.orders_imported",
    "shipments.services.risk.orders_imported",
]
# A shipment's status moved → a courier RTO becomes a return of its order (the returns).
SHIPMENT_STATUS_HOOKS = ["returns.services.rto.shipment_status_changed"]
# Staff switched "Sangam manages stock" on in the admin → push every matched listing.
ACCOUNT_MANAGES_STOCK_HOOKS = ["channel_stock.services.push.account_set_manages_stock"]

# Shipments (shipments.services.booking): the weight of a unit whose variant has none (grams)
# and the box of an account without a ``box_cm`` setting (length, breadth, height, cm). Sangam's
# own defaults for a small apparel parcel, to be set per merchant; not a courier's figure.
SHIPMENT_DEFAULT_UNIT_GRAMS = env.int("SHIPMENT_DEFAULT_UNIT_GRAMS", default=500)
# The hours (IST) a courier's "customer unavailable" / "refused" attempt can really happen; one
# scanned outside them is flagged as a possible false NDR (shipments.services.ndr). Sangam's
# default, not a courier's published figure.
NDR_DELIVERY_HOURS_IST = tuple(env.list("NDR_DELIVERY_HOURS_IST", default=["09:00", "21:00"]))
SHIPMENT_DEFAULT_BOX_CM = tuple(
    env.list("SHIPMENT_DEFAULT_BOX_CM", cast=float, default=[25.0, 20.0, 5.0])
)
# Open COD orders whose RTO risk score (0-100, shipments.services.risk) is at least this are
# listed on the "Confirm COD" page.
RTO_CONFIRM_THRESHOLD = env.int("RTO_CONFIRM_THRESHOLD", default=35)
# "Ship selected" / generate-label: more orders than this are booked as a background batch.
SHIPMENT_SYNC_BOOK_MAX = env.int("SHIPMENT_SYNC_BOOK_MAX", default=10)

# Stock push (channel_stock.services.push): changes within this many seconds ride on one push.
STOCK_PUSH_DEBOUNCE_SECONDS = env.float("STOCK_PUSH_DEBOUNCE_SECONDS", default=1.0)
# A Shopify inventory webhook that is not our echo is read back at once and judged this many
# seconds later, so the order webhooks placed before the reading are imported first
# (channel_stock.services.levels).
STOCK_ECHO_GRACE_SECONDS = env.float("STOCK_ECHO_GRACE_SECONDS", default=5.0)
# A quantity change made outside Sangam on a channel (the Shopify admin, another app) is taken
# into the pool as an adjustment (True, the default), or overwritten by Sangam's quantity
# (False: Sangam is the only master).
STOCK_ADOPT_CHANNEL_CHANGES = env.bool("STOCK_ADOPT_CHANNEL_CHANGES", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # OAuth codes, hmacs, tokens in logged URLs read [redacted] (config/log_redaction.py).
    "filters": {"redact_secrets": {"()": "config.log_redaction.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (and django.server's propagate=False, which left its lines to
        # logging.lastResort) would bypass the redaction: everything goes through "console".
        "django": {"handlers": [], "propagate": True},
        "django.server": {"level": "WARNING", "handlers": [], "propagate": True},
        # urllib3 logs full URLs (query strings included) at DEBUG: never let that through.
        "urllib3": {"level": "WARNING"},
    },
}

if not CREDENTIALS_ENCRYPTION_KEYS:
    logging.getLogger("sangam.crypto").debug("No CREDENTIALS_ENCRYPTION_KEYS; dev key in use.")
