"""Throughput and memory of a Meesho orders-export import through the real path.

Writes a Meesho Supplier Panel orders CSV (``sandbox.files.exports``) of N rows for a
catalog of SKUs that exist in Sangam, uploads it as a ``FileImport`` and runs its ``file:<id>``
sync run in this process (the timing covers storing, hashing and importing): the connector
streams the CSV row by row into ``orders_import`` in batches, exactly as a worker does. Prints
rows/s and the peak Python memory of the import (``tracemalloc``) for each size, so the growth
with file size is visible.

    .venv/bin/python bench/meesho_import.py [--rows 50000] [--small 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sangam_bench \
        .venv/bin/python bench/meesho_import.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

from _setup import django_setup

django_setup()

from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import Merchant  # noqa: E402
from integrations.models import ChannelAccount, SyncRun  # noqa: E402
from integrations.services.files import file_import_start  # noqa: E402
from integrations.services.sync import run_sync_runs  # noqa: E402
from inventory.models import Product, StockLevel, Variant  # noqa: E402
from inventory.services import default_warehouse  # noqa: E402
from sandbox.files.exports import write_meesho_orders_csv  # noqa: E402

SKU_COUNT = 300


def setup(tag: str) -> tuple[ChannelAccount, list[tuple[str, str, Decimal]]]:
    merchant = Merchant.objects.create(name=f"Bench Meesho {tag}", slug=f"bench-meesho-{tag}")
    account = ChannelAccount.objects.create(
        merchant=merchant, provider="meesho", external_id=f"SUP{tag}", display_name="Bench"
    )
    product = Product.objects.create(merchant=merchant, title="Cotton kurta")
    warehouse = default_warehouse(merchant.pk)
    catalog = []
    for n in range(SKU_COUNT):
        sku = f"MS-KURTA-{n:04d}"
        variant = Variant.objects.create(
            merchant=merchant, product=product, sku=sku, title=f"Kurta {n}", price=Decimal("499")
        )
        StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=1_000_000)
        catalog.append((sku, f"Cotton kurta {n}", Decimal(399 + n % 7 * 100)))
    return account, catalog


def run_import(rows: int, tag: str, workdir: Path) -> dict:
    account, catalog = setup(tag)
    path = workdir / f"meesho-{rows}.csv"
    write_meesho_orders_csv(path, skus=catalog, rows=rows, start=date(2026, 8, 1), seed=5)
    size = path.stat().st_size
    tracemalloc.start()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        # Without a broker the import runs inside this call once the upload commits (with a
        # broker it is the worker's run): store, hash, queue, stream rows into the order book.
        _record, run = file_import_start(account=account, upload=File(handle, name=path.name))
    if SyncRun.objects.get(pk=run.pk).status == "queued":
        run_sync_runs([run.pk])
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    run = SyncRun.objects.get(pk=run.pk)
    return {
        "rows": rows,
        "bytes": size,
        "status": run.status,
        "created": run.created,
        "failed": run.failed,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "peak_mib": peak / (1024 * 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=5_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            run_import(args.small, f"{stamp}s", Path(tmp)),
            run_import(args.rows, f"{stamp}l", Path(tmp)),
        ]
    for r in results:
        print(
            f"{r['rows']:>7,} rows ({r['bytes'] / 1e6:.1f} MB): {r['status']}, "
            f"{r['created']:,} orders created, {r['failed']} quarantined, "
            f"{r['seconds']:.1f} s = {r['rows_per_s']:,.0f} rows/s, "
            f"peak traced memory {r['peak_mib']:.1f} MiB"
        )
    small, large = results
    print(
        f"Memory growth for {large['rows'] / small['rows']:.0f}x the rows: "
        f"{large['peak_mib'] / small['peak_mib']:.2f}x"
    )


if __name__ == "__main__":
    main()
