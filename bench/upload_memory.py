"""Peak memory and time of reading crafted uploads: what a hostile file costs the server.

Each case is a workbook or CSV from ``tests/integrations/files/crafted.py`` (zip bombs, a huge
shared-strings table, a row-count bomb, a value in column XFD under a 1,048,576-row dimension,
one 5-million-character cell, a real 50,000-row Meesho export for comparison). For each, in a
fresh process so the figures do not mix:

- ``upload``: the check the request makes (``file_upload_check``: size, type, encoding, the
  zip directory against ``FILE_IMPORT_MAX_*``) — its time and the process's peak RSS growth;
- ``read``: what the import run does with a file that passed (``MeeshoConnector.parse_file``,
  every row parsed and validated, nothing written) — time, peak RSS growth (``ru_maxrss``) and
  peak Python allocations (``tracemalloc``), and how it ended; last, the process's peak RSS
  in all (Django loaded: about 100 MB of it).

``--unlimited`` reads with every limit lifted, to show what the limits save (the 2.4-million
string table then needs about 1.5 GB).

    .venv/bin/python bench/upload_memory.py [--unlimited] [--case NAME]

The figures are reported in the issue's closing note.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _setup import ROOT, django_setup

MB = 1024 * 1024


def build(case: str, tmp: Path) -> Path:
    """Write the crafted file of ``case`` into ``tmp``."""
    from tests.integrations.files import crafted

    if case == "strings-bomb":  # 2.4 M distinct strings, ~54 MB of XML in ~6 MB
        return crafted.shared_strings_bomb(tmp / "strings.xlsx", 2_400_000)
    if case == "strings-under-limit":  # 1 M strings, ~23 MB of XML in ~3 MB
        return crafted.shared_strings_bomb(tmp / "strings.xlsx", 1_000_000)
    if case == "row-bomb":  # 2 M empty rows in ~20 KB
        return crafted.row_bomb(tmp / "rows.xlsx", 2_000_000)
    if case == "zip-entries":
        return crafted.write_xlsx(tmp / "many.xlsx", [], extra_entries=5_000)
    if case == "xfd-column":  # 50,000 rows with a value in column XFD
        return crafted.wide_bomb(tmp / "wide.xlsx", 50_000)
    table = crafted.meesho_rows(tmp, rows=50_000 if case == "meesho-50k" else 3)
    if case == "big-cell":
        big = "".join(random.Random(1).choices(string.ascii_letters, k=5_000_000))
        table[2][table[0].index("Product Name")] = big
    return crafted.meesho_xlsx(tmp / f"{case}.xlsx", table)


CASES = (
    "meesho-50k",
    "strings-bomb",
    "strings-under-limit",
    "row-bomb",
    "zip-entries",
    "xfd-column",
    "big-cell",
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case: str, path: Path, unlimited: bool) -> dict:
    """Run the upload check and the read on ``path`` (built by the parent); the figures."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from integrations.connectors.files.limits import ImportLimits
    from integrations.dto import AccountHandle, RecordFailure
    from integrations.models import ChannelAccount
    from integrations.registry import get_connector_class
    from integrations.services.files import FileImportError, file_upload_check

    if unlimited:
        for field in ImportLimits.__dataclass_fields__:
            setattr(settings, f"FILE_IMPORT_MAX_{field.upper()}", 10**12)
    account = ChannelAccount(provider="meesho", external_id="BENCH", display_name="Bench")
    figures = {"case": case, "file_kb": round(path.stat().st_size / 1024)}

    base = rss_mb()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    try:
        file_upload_check(account=account, upload=upload)
        figures["upload"] = "accepted"
    except FileImportError as exc:
        figures["upload"] = f"400: {str(exc)[:70]}"
    figures["upload_s"] = round(time.perf_counter() - started, 3)
    figures["upload_rss_mb"] = round(rss_mb() - base, 1)
    del upload

    cls = get_connector_class("meesho")
    handle = AccountHandle(
        id=1,
        merchant_id=1,
        provider="meesho",
        external_id="BENCH",
        base_url="",
        credentials={},
        settings={cls.account_key_field: "BENCH"},
    )
    connector = cls(handle, None)  # file channels make no HTTP calls
    base = rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    rows = failed = 0
    try:
        for result in connector.parse_file(str(path), filename=path.name):
            rows += 1
            failed += isinstance(result, RecordFailure)
        figures["read"] = f"{rows} records, {failed} failed"
    except Exception as exc:  # noqa: BLE001 - how the read ended is the figure
        figures["read"] = f"{type(exc).__name__}: {str(exc)[:60]}"
    figures["read_s"] = round(time.perf_counter() - started, 2)
    figures["read_peak_py_mb"] = round(tracemalloc.get_traced_memory()[1] / MB, 1)
    tracemalloc.stop()
    figures["read_rss_mb"] = round(rss_mb() - base, 1)
    figures["peak_rss_mb"] = round(rss_mb(), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=CASES, help="one case, in this process")
    parser.add_argument("--path", type=Path, help="the case's file (with --case)")
    parser.add_argument("--unlimited", action="store_true", help="lift every FILE_IMPORT_MAX_*")
    args = parser.parse_args()
    django_setup()
    if args.case and args.path:
        print(json.dumps(measure(args.case, args.path, args.unlimited)))
        return
    mode = "every limit lifted" if args.unlimited else "default FILE_IMPORT_MAX_* limits"
    print(f"Crafted uploads, {mode}; each case in a fresh process")
    header = (
        f"{'case':<20}{'file KB':>9}  {'upload check':<44}{'s':>7}{'RSS+MB':>8}"
        f"  {'read':<46}{'s':>7}{'py MB':>8}{'RSS+MB':>8}{'peak RSS':>9}"
    )
    print(header)
    for case in [args.case] if args.case else CASES:
        with tempfile.TemporaryDirectory() as tmp:
            path = build(case, Path(tmp))
            command = [sys.executable, __file__, "--case", case, "--path", str(path)]
            if args.unlimited:
                command.append("--unlimited")
            done = subprocess.run(  # noqa: S603 - our own interpreter and script
                command, capture_output=True, text=True, cwd=ROOT, check=False
            )
        if done.returncode:
            print(f"{case:<20} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        f = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{f['case']:<20}{f['file_kb']:>9,}  {f['upload'][:43]:<44}{f['upload_s']:>7}"
            f"{f['upload_rss_mb']:>8}  {f['read'][:45]:<46}{f['read_s']:>7}"
            f"{f['read_peak_py_mb']:>8}{f['read_rss_mb']:>8}{f['peak_rss_mb']:>9}"
        )


if __name__ == "__main__":
    main()
