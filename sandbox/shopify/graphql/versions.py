"""Admin API versions after 2025-01, as changes to the 2025-01 introspection.

``shared/reference`` ships the 2025-01 schema only. The sandbox serves later versions from it
with the documented changes that touch what Sangam sends applied, so a client that follows the
configured version is checked against what that version accepts. Each change and its source:

- **2026-01** (shopify.dev changelog "Concurrency protection features for inventory and refund
  mutations" and "Adding idempotency for inventory adjustments and refund mutations"):
  ``InventoryQuantityInput.changeFromQuantity`` (``Int``; explicit ``null`` opts a row out of
  the compare-and-swap) next to the now deprecated ``compareQuantity``; the ``@idempotent(key:)``
  directive on mutation fields, optional; the error codes ``CHANGE_FROM_QUANTITY_STALE`` and
  ``IDEMPOTENCY_*`` of ``InventorySetQuantitiesUserErrorCode``.
- **2026-04** ("Making idempotency mandatory for inventory adjustments and refund mutations",
  breaking): ``compareQuantity`` and ``ignoreCompareQuantity`` are removed,
  ``changeFromQuantity`` must be given for every row, and ``inventorySetQuantities`` without
  ``@idempotent`` fails at run time (the schema does not show the directive as required).

Versions are ``YYYY-MM`` handles and compare as strings; ``unstable`` is the newest.
"""

from __future__ import annotations

import copy
from typing import Any, Final

BASE: Final = "2025-01"
CHANGE_FROM: Final = "2026-01"
IDEMPOTENCY_REQUIRED: Final = "2026-04"
# Schema releases the sandbox builds, oldest first; a version is served by the newest release
# not after it.
RELEASES: Final = (BASE, CHANGE_FROM, IDEMPOTENCY_REQUIRED)

_STRING: Final = {"kind": "SCALAR", "name": "String", "ofType": None}
_INT: Final = {"kind": "SCALAR", "name": "Int", "ofType": None}
NEW_ERROR_CODES: Final = (
    "CHANGE_FROM_QUANTITY_STALE",
    "IDEMPOTENCY_CONCURRENT_REQUEST",
    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
    "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED",
)


def at_least(version: str, release: str) -> bool:
    """Whether API ``version`` (``"2026-04"``, ``"unstable"``) includes ``release``'s changes."""
    return version == "unstable" or version >= release


def release_of(version: str) -> str:
    """The schema release that serves ``version``: ``"2025-07"`` → ``"2025-01"``."""
    return [release for release in RELEASES if at_least(version, release)][-1] if version else BASE


def introspection_for(release: str, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (the 2025-01 ``{"__schema": …}``) with ``release``'s changes applied, as a new
    dict (``base`` is left as it was). Raises ``KeyError`` when a type the changes edit is
    missing from ``base``."""
    if release == BASE:
        return base
    data = copy.deepcopy(base)
    schema = data["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    quantity = types["InventoryQuantityInput"]
    quantity["inputFields"].append(
        {
            "name": "changeFromQuantity",
            "description": "The quantity the persisted quantity must hold for the set to apply; "
            "null opts the row out of the check.",
            "type": _INT,
            "defaultValue": None,
        }
    )
    codes = types["InventorySetQuantitiesUserErrorCode"]["enumValues"]
    codes.extend(
        {"name": code, "description": code, "isDeprecated": False, "deprecationReason": None}
        for code in NEW_ERROR_CODES
    )
    schema["directives"].append(
        {
            "name": "idempotent",
            "description": "Makes a mutation safe to retry: a repeat with the same key returns "
            "the first result.",
            "locations": ["FIELD"],
            "args": [
                {
                    "name": "key",
                    "description": "A unique key per distinct request (a UUID).",
                    "type": {"kind": "NON_NULL", "name": None, "ofType": _STRING},
                    "defaultValue": None,
                }
            ],
        }
    )
    if at_least(release, IDEMPOTENCY_REQUIRED):
        quantity["inputFields"] = [
            f for f in quantity["inputFields"] if f["name"] != "compareQuantity"
        ]
        set_input = types["InventorySetQuantitiesInput"]
        set_input["inputFields"] = [
            f for f in set_input["inputFields"] if f["name"] != "ignoreCompareQuantity"
        ]
    return data
