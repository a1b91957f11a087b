"""Pure: a return's status as the order's ``sangam-return-*`` tag and ``Sangam return …`` note
line, merged with the merchant's own tags and note.
Design: docs/providers/shopify.md#return-status-on-the-order
"""

from __future__ import annotations

from collections.abc import Sequence

RETURN_TAG_PREFIX = "sangam-return-"
NOTE_LINE_PREFIX = "Sangam return"


def merged_tags(current: Sequence[str], tags: Sequence[str]) -> list[str]:
    """``current`` without any ``sangam-return-*`` tag, then ``tags`` (no duplicates; Shopify
    tags compare case-insensitively)."""
    merged = [t for t in current if not t.lower().startswith(RETURN_TAG_PREFIX)]
    seen = {t.lower() for t in merged}
    for tag in tags:
        if tag.lower() not in seen:
            merged.append(tag)
            seen.add(tag.lower())
    return merged


def merged_note(current: str | None, line: str, replaces: Sequence[str] = ()) -> str:
    """``current`` with ``line`` replacing the earlier line of the same return (same text before
    the first ``": "`` and starting with ``Sangam return``) and those of the returns
    ``replaces`` names (``refund:98``: a refund return a Shopify return took over), or appended
    on a new line. The rest of the merchant's note is kept as it was."""
    keys = {line.split(": ", 1)[0], *(f"{NOTE_LINE_PREFIX} {r}" for r in replaces)}
    lines = (current or "").splitlines()
    replaced = False
    kept: list[str] = []
    for existing in lines:
        if existing.startswith(NOTE_LINE_PREFIX) and existing.split(": ", 1)[0] in keys:
            if not replaced:
                kept.append(line)
                replaced = True
            continue
        kept.append(existing)
    if not replaced:
        kept.append(line)
    return "\n".join(kept)
