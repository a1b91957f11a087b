"""The fake providers: a development and test tool, not a part of the product.

Installed (``INSTALLED_APPS``, ``config/urls.py``) only when ``SANDBOX_ENABLED``; the product never
imports it (import contracts in pyproject.toml).

* :mod:`sandbox.kernel`: what more than one fake shares (the clock, wire formats, the seeded
  store's static material).
* :mod:`sandbox.shopify`, :mod:`sandbox.amazon`, :mod:`sandbox.flipkart`: the providers' APIs,
  each a Django app (labels ``sandbox``, ``sandbox_amazon``, ``sandbox_flipkart``).
* :mod:`sandbox.delhivery`: the courier's B2C API (label ``sandbox_delhivery``): shipments,
  journeys on the sandbox clock, scan pushes, its per-IP limits.
* :mod:`sandbox.files`: seller-panel export files (Meesho, Myntra, AJIO).
* :mod:`sandbox.demo` and ``manage.py demo``: the demo's orchestration of the product against the
  fakes; the one part of the sandbox that imports the product.
"""
