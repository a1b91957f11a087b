"""The file channels' fake: seller-panel order exports (Meesho, Myntra, AJIO)."""
