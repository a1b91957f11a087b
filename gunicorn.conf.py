"""gunicorn settings for the hub (read by ``gunicorn config.wsgi`` run from the project root).

Threaded workers (``gthread``) keep client connections alive and overlap one request's
PostgreSQL/Redis round trips with another's Python work. The webhook receiver spends about a
third of a request waiting on the INSERT's commit and the inbox drain's ``SET NX``
(``bench/webhooks.py``, profiled with py-spy); a sync worker sits idle meanwhile, and closes
every connection after one response, so each Shopify delivery costs a TCP accept and a
shutdown as well. Measured on the 2-core machine with ``bench/webhooks.py`` (2 workers,
PostgreSQL, Redis, interleaved runs on a noisy host): sync 372–830 req/s over 13 runs, gthread
with 2 threads 437–954 over 21 (4 threads: no better).

Environment: ``WEB_CONCURRENCY`` (workers, default 2), ``WEB_THREADS`` (threads per worker,
default 2; 1 gives the sync worker), ``WEB_BIND`` (default 127.0.0.1:8000), ``WEB_TIMEOUT``
(seconds a request may take before the worker is restarted, default 30). Command-line flags
override these.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# Seconds an idle kept-alive connection stays open (gthread only). Shopify reuses connections
# for a burst of deliveries; longer would hold sockets that no longer carry anything.
keepalive = 5
