"""Crafted uploads cannot exhaust memory or time: the zip is checked before anything is parsed
(at upload: 400 with the reason; in the run: the run fails with it), an import's peak memory is
bounded whatever the file, and one bad cell fails its row, not the file."""

from __future__ import annotations

import random
import string
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.connectors.files.errors import FileLimitError
from integrations.connectors.files.limits import ImportLimits
from integrations.connectors.files.reader import MAX_LINE_CHARS, open_sheets
from integrations.connectors.files.xlsx import inspect_zip
from integrations.dto import RecordFailure
from integrations.models import ChannelAccount, FileImport, SyncLog, SyncRun, SyncStatus
from orders.models import Order
from tests.integrations.files.crafted import (
    meesho_rows,
    meesho_xlsx,
    row_bomb,
    shared_strings_bomb,
    wide_bomb,
    write_xlsx,
)

MB = 1024 * 1024
# What openpyxl's read-only reader holds (measured, with margin): the shared-strings table as
# Python strings, up to 8× its XML; a husk of about 0.9 KB per row read; a cell twice over.
STRINGS_FACTOR = 8
ROW_HUSK_BYTES = 1024


def peak_of(func) -> tuple[int, object]:
    """(peak bytes traced while ``func()`` runs, its result or the exception it raised)."""
    tracemalloc.start()
    try:
        try:
            result = func()
        except Exception as exc:  # noqa: BLE001 - the outcome is asserted by the caller
            result = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def parse_all(connector, path: Path) -> list:
    return list(connector.parse_file(str(path), filename=path.name))


# The zip directory, before anything is decompressed.


def test_a_shared_strings_table_over_the_limit_is_refused_from_the_zip_directory(tmp_path):
    path = shared_strings_bomb(tmp_path / "bomb.xlsx", 2_400_000)  # ~54 MB of <si>
    assert path.stat().st_size < 8 * MB
    with pytest.raises(FileLimitError, match=r"\(sharedStrings.xml\) is 5\d\.\d MB unpacked"):
        inspect_zip(str(path), ImportLimits())


def test_entry_count_uncompressed_total_and_ratio_are_checked(tmp_path):
    many = write_xlsx(tmp_path / "many.xlsx", [], extra_entries=1_200)
    with pytest.raises(FileLimitError, match="1,206 parts"):
        inspect_zip(str(many), ImportLimits())
    rows = row_bomb(tmp_path / "rows.xlsx", 2_000_000)
    assert rows.stat().st_size < 160 * 1024
    with pytest.raises(FileLimitError, match=r"sheet1.xml' of the workbook unpacks to \d+×"):
        inspect_zip(str(rows), ImportLimits())
    with pytest.raises(FileLimitError, match=r"unpacks to 1\d\.\d MB \(limit 8\.0 MB\)"):
        inspect_zip(str(rows), ImportLimits(uncompressed_bytes=8 * MB, compression_ratio=10**6))


def test_encrypted_or_exotically_compressed_parts_are_refused(tmp_path):
    path = tmp_path / "bz.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(Exception, match="compressed in a way Excel does not write"):
        inspect_zip(str(path), ImportLimits())


# Peak memory of an import, whatever the file.


def test_a_shared_strings_bomb_is_refused_in_bounded_memory(meesho, tmp_path):
    path = shared_strings_bomb(tmp_path / "bomb.xlsx", 2_400_000)
    peak, outcome = peak_of(lambda: parse_all(meesho, path))
    assert isinstance(outcome, FileLimitError), outcome
    assert peak < 4 * MB


def test_a_table_just_under_the_limit_is_read_in_bounded_memory(meesho, tmp_path):
    # ~23 MB of a million distinct strings, packed into about 3 MB.
    path = shared_strings_bomb(tmp_path / "big-table.xlsx", 1_000_000)
    with zipfile.ZipFile(path) as archive:
        table_bytes = archive.getinfo("xl/sharedStrings.xml").file_size
    assert table_bytes < ImportLimits().shared_strings_bytes
    peak, outcome = peak_of(lambda: parse_all(meesho, path))
    assert "Missing required column" in str(outcome)  # read through, then judged
    assert peak < STRINGS_FACTOR * table_bytes


def test_a_row_count_bomb_stops_at_the_row_limit_in_bounded_memory(meesho, tmp_path):
    path = row_bomb(tmp_path / "rows.xlsx", 2_000_000)
    limits = ImportLimits(compression_ratio=10**6, max_rows=200_000)

    def read() -> int:
        with open_sheets(str(path), limits=limits) as sheets:
            return sum(1 for _ in sheets[0][1]())

    peak, outcome = peak_of(read)
    assert isinstance(outcome, FileLimitError), outcome
    assert "more than 200,000 rows" in str(outcome)
    assert peak < ROW_HUSK_BYTES * limits.max_rows + 8 * MB


def test_a_huge_dimension_and_a_value_in_column_xfd_do_not_widen_rows(tmp_path):
    path = wide_bomb(tmp_path / "wide.xlsx", 5_000)

    def read() -> tuple[int, int, str]:
        with open_sheets(str(path)) as sheets:
            widths = [(len(cells), cells[-1]) for _, cells in sheets[0][1]()]
        return len(widths), max(w for w, _ in widths), widths[0][1].reason

    peak, (rows, widest, reason) = peak_of(read)
    assert (rows, widest) == (5_000, 513)  # 512 columns read, then the problem
    assert reason == "the row has a value in column XFD; at most 512 columns are read"
    assert peak < 8 * MB


def test_one_oversized_cell_costs_a_prefix_not_the_cell(meesho, tmp_path):
    table = meesho_rows(tmp_path, rows=3)
    # Random letters: a cell that does not pack (a packing one is refused for its ratio).
    big = "".join(random.Random(1).choices(string.ascii_letters, k=5_000_000))
    table[2][table[0].index("Product Name")] = big
    path = meesho_xlsx(tmp_path / "big-cell.xlsx", table)
    peak, results = peak_of(lambda: parse_all(meesho, path))
    failures = [r for r in results if isinstance(r, RecordFailure)]
    assert len(results) == 3
    assert len(failures) == 1
    assert "column 'Product Name': the cell has 5,000,000 characters" in failures[0].error
    assert failures[0].payload["values"]["Product Name"] == big[:100] + "…"
    assert peak < 2 * len(big) + 4 * MB


# Through the upload and the import run.


@pytest.fixture(autouse=True)
def _uploads(media_root, imports_run_now):
    """Uploads in the test's directory; their runs at once."""


@pytest.fixture
def account(merchant):
    return ChannelAccount.objects.create(
        merchant=merchant, provider="meesho", external_id="SUP123", display_name="Meesho SUP123"
    )


def post(api_client, path: Path, content: bytes | None = None):
    upload = SimpleUploadedFile(path.name, path.read_bytes() if content is None else content)
    return api_client.post(
        "/api/integrations/providers/meesho/import", {"file": upload}, format="multipart"
    )


def run_of(response) -> SyncRun:
    assert response.status_code == 202, response.content
    return SyncRun.objects.get(pk=response.json()["sync_run_id"])


def as_csv(table: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("table.xlsx", lambda p: shared_strings_bomb(p, 2_400_000), "text table"),
        ("rows.xlsx", lambda p: row_bomb(p, 2_000_000), "unpacks to"),
        ("many.xlsx", lambda p: write_xlsx(p, [], extra_entries=1_200), "1,206 parts"),
    ],
)
def test_crafted_workbooks_are_refused_at_upload_with_the_reason(
    api_client, account, tmp_path, name, make, reason
):
    path = make(tmp_path / name)
    peak, response = peak_of(lambda: post(api_client, path))
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert response.json()["field"] == "file"
    assert FileImport.objects.count() == 0
    # The test client and Django's multipart parser copy the upload (a few MB) a few times;
    # reading the table would cost hundreds of MB.
    assert peak < 64 * MB


@pytest.mark.django_db
def test_a_run_reaching_a_crafted_workbook_fails_with_the_reason(account, settings, tmp_path):
    from integrations.services.files import file_import_start

    path = row_bomb(tmp_path / "rows.xlsx", 300_000, header=meesho_rows(tmp_path, rows=1)[0])
    settings.FILE_IMPORT_MAX_COMPRESSION_RATIO = 10**6
    with open(path, "rb") as handle:
        _record, run = file_import_start(
            account=account, upload=SimpleUploadedFile(path.name, handle.read())
        )
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    assert "more than 200,000 rows" in run.error


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_oversized_cell_fails_its_row_and_the_rest_imports(
    api_client, account, tmp_path, suffix
):
    table = meesho_rows(tmp_path, rows=12)
    column = table[0].index("Product Name")
    table[4][column] = "kurta " * 2_999 + "kurta"  # 17,999 characters
    path = tmp_path / f"orders.{suffix}"
    if suffix == "csv":
        path.write_text(as_csv(table), encoding="utf-8")
    else:
        meesho_xlsx(path, table)
    run = run_of(post(api_client, path))
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.created, run.failed) == (11, 1)
    (log,) = SyncLog.objects.filter(run=run)
    assert "Row 5, column 'Product Name': the cell has 17,999 characters" in log.error
    assert len(log.payload["values"]["Product Name"]) == 101


@pytest.mark.django_db
def test_a_csv_line_longer_than_the_line_limit_fails_its_row_only(api_client, account, tmp_path):
    table = meesho_rows(tmp_path, rows=6)
    text = as_csv(table).splitlines(keepends=True)
    text[3] = "x" * (MAX_LINE_CHARS * 2) + "\n"
    path = tmp_path / "orders.csv"
    path.write_text("".join(text), encoding="utf-8")
    run = run_of(post(api_client, path))
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 5, 1), run.error
    assert (
        "Row 4, column 'Reason for Credit Entry': the line has 2,097,153 characters"
        in SyncLog.objects.get(run=run).error
    )


@pytest.mark.django_db
def test_a_utf16_csv_with_a_byte_order_mark_imports(api_client, account, tmp_path):
    table = meesho_rows(tmp_path, rows=8)
    table[3][table[0].index("Product Name")] = "सूती कुर्ता"
    path = tmp_path / "orders.csv"
    path.write_bytes(as_csv(table).encode("utf-16"))  # with a BOM, as Excel's "Unicode text"
    run = run_of(post(api_client, path))
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 8, 0), run.error
    titles = Order.objects.filter(account=account).values_list("items__title", flat=True)
    assert any(title.startswith("सूती कुर्ता") for title in titles)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("utf-16-le", "UTF-16 text without a byte-order mark"),
        ("utf-32", "UTF-32 text, which cannot be imported"),
    ],
)
def test_csvs_that_cannot_be_read_reliably_are_refused_at_upload(
    api_client, account, tmp_path, encoding, reason
):
    path = tmp_path / "orders.csv"
    path.write_bytes(as_csv(meesho_rows(tmp_path, rows=3)).encode(encoding))
    response = post(api_client, path)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert "CSV UTF-8" in response.json()["error"]


@pytest.mark.django_db
def test_nul_bytes_and_absurd_quantities_fail_their_rows_with_the_column(
    api_client, account, tmp_path
):
    table = meesho_rows(tmp_path, rows=10)
    header = table[0]
    table[2][header.index("Product Name")] = "Kurta\x00blue"
    table[5][header.index("Quantity")] = "1000000000000"
    path = tmp_path / "orders.csv"
    path.write_text(as_csv(table), encoding="utf-8")
    run = run_of(post(api_client, path))
    assert (run.status, run.created, run.failed) == (SyncStatus.SUCCEEDED, 8, 2), run.error
    errors = {log.payload["row"]: log for log in SyncLog.objects.filter(run=run)}
    assert "Row 3, column 'Product Name': the cell holds a NUL character" in errors[3].error
    assert errors[3].payload["values"]["Product Name"] == "Kurtablue"
    assert "Row 6, column 'Quantity': '1000000000000' is more than 100,000 units" in errors[6].error


@pytest.mark.django_db
def test_the_row_estimate_comes_from_the_dimension_without_parsing(account, tmp_path):
    from integrations.services.files import xlsx_rows

    table = meesho_rows(tmp_path, rows=4)
    path = meesho_xlsx(tmp_path / "orders.xlsx", table, dimension="A1:XFD1048576")
    assert xlsx_rows(str(path)) == 200_000  # the claim, capped at FILE_IMPORT_MAX_ROWS
    assert xlsx_rows(str(meesho_xlsx(tmp_path / "b.xlsx", table, dimension="A1:AB5"))) == 4
    assert xlsx_rows(str(meesho_xlsx(tmp_path / "c.xlsx", table))) is None


@pytest.mark.django_db
def test_the_upload_answers_before_any_row_is_parsed(api_client, account, tmp_path, monkeypatch):
    """The request only stores the file and queues its run (in the background: a worker, or a
    thread without a broker); the rows are read by the run."""
    import integrations.connectors.files.xlsx as xlsx
    import integrations.tasks as tasks

    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: queued.append((task, args, kw)))
    opened = []
    real_open_workbook = xlsx.open_workbook

    def watched(*args, **kwargs):
        opened.append(args)
        return real_open_workbook(*args, **kwargs)

    monkeypatch.setattr(xlsx, "open_workbook", watched)
    path = meesho_xlsx(tmp_path / "orders.xlsx", meesho_rows(tmp_path, rows=5))
    run = run_of(post(api_client, path))
    assert (run.status, opened, Order.objects.count()) == (SyncStatus.QUEUED, [], 0)
    ((task, args, kw),) = queued
    assert kw == {"background": True}
    task.apply(args=args)
    run.refresh_from_db()
    assert (run.status, run.created, len(opened)) == (SyncStatus.SUCCEEDED, 5, 1)
