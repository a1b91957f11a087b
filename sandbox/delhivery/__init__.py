"""The Delhivery sandbox: the courier's B2C (Express) API under ``/sandbox/delhivery/<client>``.

Same paths, ``Authorization: Token`` auth, per-IP limits and error bodies as Delhivery's
(channel-apis.md §5.1, logistics-finance-notes.md §1), with deterministic journeys played out on
the sandbox clock and scans pushed to the client's registered URL.
"""
