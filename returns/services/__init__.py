"""Services of the returns: ``imports`` (what channels report, refreshes, removals of unshipped
units, file exports), ``receipts`` (QC through the stock ledger), ``dispositions`` (what a
channel did with returned goods) and ``writeback`` (the status written to the channel)."""

from returns.services.imports import file_records_import, returns_import, returns_refresh_order
from returns.services.receipts import return_receive

__all__ = ["file_records_import", "return_receive", "returns_import", "returns_refresh_order"]
