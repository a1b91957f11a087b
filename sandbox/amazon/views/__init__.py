"""HTTP endpoints of the Amazon sandbox under ``/sandbox/amazon/<seller_id>/`` (the root the
connector uses as both its SP-API and LWA host)."""
