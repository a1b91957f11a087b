"""File-import channels: marketplaces without a public seller API (Meesho, Myntra, Ajio).

Sellers download order exports (CSV or XLSX) from their seller panels and upload them; the
connectors here stream such a file into ``OrderDTO``s (channel-apis.md §4). The shared pieces:

- :mod:`.reader` opens CSV/XLSX, finds the header row and streams rows (memory does not grow
  with the file);
- :mod:`.profile` holds the column-mapping profile (plain JSON, editable by staff);
- :mod:`.values` parses amounts, quantities, dates (IST) and Indian states;
- :mod:`.rows` validates one row into an order line;
- :mod:`.orders` turns rows into orders (header detection, grouping line rows of one order);
- :mod:`.connector` is the ``FileImportConnector`` base the channel modules subclass.
"""

from __future__ import annotations

from integrations.connectors.files.errors import FileFormatError, ProfileError

__all__ = ["FileFormatError", "ProfileError"]
