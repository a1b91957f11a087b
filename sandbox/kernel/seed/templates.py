"""Catalog templates of the seeded store: product lines with SKU prefix, style codes, options,
GST-inclusive price ranges (rupees) and weights. GST slabs follow the 2024 rates: apparel and
home textiles 5% up to ₹1,000 a piece and 12% above (``flat_gst`` ``None``), cosmetics and
candles 18%.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Template:
    """A product line: SKU prefix, product type, styles (title, 3-letter code), options."""

    prefix: str
    product_type: str
    category: str
    styles: tuple[tuple[str, str], ...]
    sizes: tuple[str, ...]
    colours: tuple[str, ...]
    price_range: tuple[int, int]
    grams: int
    flat_gst: Decimal | None = None

    @property
    def option_names(self) -> list[str]:
        names = []
        if self.sizes:
            names.append("Shade" if self.prefix == "LIPST" else "Size")
        if self.colours:
            names.append("Colour")
        return names


APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
TEXTILE_COLOURS = (
    "Blue",
    "Maroon",
    "Mustard",
    "Green",
    "Black",
    "White",
    "Pink",
    "Peach",
    "Navy",
    "Beige",
    "Teal",
    "Ivory",
)

TEMPLATES: tuple[Template, ...] = (
    Template(
        "KURTA",
        "Kurta",
        "apparel",
        (
            ("Indigo Block Print Kurta", "IND"),
            ("Chikankari Cotton Kurta", "CHK"),
            ("Bandhani Straight Kurta", "BND"),
            ("Ajrakh Print A-Line Kurta", "AJR"),
            ("Mughal Floral Kurta", "MGL"),
            ("Khadi Mandarin Collar Kurta", "KHD"),
            ("Kalamkari Cotton Kurta", "KLK"),
            ("Ikat Handloom Kurta", "IKT"),
        ),
        APPAREL_SIZES,
        TEXTILE_COLOURS,
        (699, 1899),
        280,
    ),
    Template(
        "KSET",
        "Kurta Set",
        "apparel",
        (
            ("Anarkali Kurta Set", "ANK"),
            ("Gota Patti Kurta Set", "GTP"),
            ("Leheriya Kurta Palazzo Set", "LHR"),
            ("Kalamkari Kurta Set", "KLM"),
            ("Chikankari Kurta Set", "CKS"),
            ("Bandhani Kurta Set", "BKS"),
        ),
        APPAREL_SIZES,
        TEXTILE_COLOURS,
        (1299, 2999),
        520,
    ),
    Template(
        "SAREE",
        "Saree",
        "apparel",
        (
            ("Banarasi Silk Saree", "BNR"),
            ("Chanderi Cotton Saree", "CHN"),
            ("Kanjeevaram Art Silk Saree", "KNJ"),
            ("Linen Jamdani Saree", "JMD"),
            ("Sambalpuri Ikat Saree", "SMB"),
            ("Paithani Silk Saree", "PTH"),
            ("Kota Doria Saree", "KTD"),
        ),
        (),
        TEXTILE_COLOURS,
        (999, 4999),
        650,
    ),
    Template(
        "TSHRT",
        "T-Shirt",
        "apparel",
        (
            ("Mandala Print Tee", "MND"),
            ("Om Graphic Tee", "OMG"),
            ("Chai Lover Tee", "CHI"),
            ("Madhubani Art Tee", "MDB"),
            ("Warli Art Tee", "WRL"),
            ("Desi Slogan Tee", "DSL"),
        ),
        ("S", "M", "L", "XL", "XXL"),
        ("Black", "White", "Navy", "Mustard", "Green"),
        (399, 799),
        180,
    ),
    Template(
        "PLZO",
        "Palazzo",
        "apparel",
        (
            ("Flared Rayon Palazzo", "FLR"),
            ("Printed Cotton Palazzo", "PRC"),
            ("Block Print Palazzo", "BPP"),
        ),
        ("S", "M", "L", "XL", "XXL"),
        ("Black", "White", "Maroon", "Beige"),
        (499, 999),
        220,
    ),
    Template(
        "DUPTA",
        "Dupatta",
        "apparel",
        (
            ("Phulkari Dupatta", "PHK"),
            ("Bandhej Chiffon Dupatta", "BDJ"),
            ("Mul Cotton Dupatta", "MUL"),
            ("Kalamkari Dupatta", "KLD"),
        ),
        (),
        TEXTILE_COLOURS,
        (399, 899),
        150,
    ),
    Template(
        "FWASH",
        "Face Wash",
        "beauty",
        (
            ("Neem Tulsi Face Wash", "NTL"),
            ("Ubtan Brightening Face Wash", "UBT"),
            ("Rose Kesar Face Wash", "RKS"),
            ("Charcoal Detox Face Wash", "CHD"),
        ),
        ("100 ml", "200 ml"),
        (),
        (349, 549),
        160,
        Decimal("0.18"),
    ),
    Template(
        "SERUM",
        "Face Serum",
        "beauty",
        (
            ("Vitamin C Glow Serum", "VTC"),
            ("Niacinamide Clear Skin Serum", "NIA"),
            ("Kumkumadi Night Serum", "KUM"),
            ("Hyaluronic Hydration Serum", "HYA"),
        ),
        ("15 ml", "30 ml"),
        (),
        (499, 899),
        90,
        Decimal("0.18"),
    ),
    Template(
        "SUNSC",
        "Sunscreen",
        "beauty",
        (
            ("Aloe Matte Sunscreen SPF 50", "ALO"),
            ("Tinted Mineral Sunscreen SPF 40", "TIN"),
            ("Gel Sunscreen SPF 50", "GEL"),
        ),
        ("50 g", "100 g"),
        (),
        (399, 699),
        120,
        Decimal("0.18"),
    ),
    Template(
        "LIPST",
        "Lipstick",
        "beauty",
        (
            ("Matte Bullet Lipstick", "MTB"),
            ("Creamy Satin Lipstick", "CRS"),
            ("Liquid Matte Lipstick", "LQM"),
        ),
        ("Rose Nude", "Brick Red", "Berry", "Coral", "Mauve", "Chilli Red"),
        (),
        (399, 599),
        40,
        Decimal("0.18"),
    ),
    Template(
        "BEDSH",
        "Bedsheet",
        "home",
        (
            ("Jaipuri Cotton Bedsheet", "JPR"),
            ("Sanganeri Print Bedsheet", "SNG"),
            ("Kantha Stitch Bedsheet", "KNT"),
            ("Dabu Print Bedsheet", "DAB"),
        ),
        ("Single", "Double", "King"),
        ("Blue", "Green", "Pink", "Mustard", "White"),
        (899, 2499),
        900,
    ),
    Template(
        "CUSHN",
        "Cushion Cover",
        "home",
        (
            ("Mirror Work Cushion Covers (Set of 2)", "MRW"),
            ("Dhurrie Cushion Covers (Set of 2)", "DHR"),
        ),
        ("16x16 in", "18x18 in"),
        ("Teal", "Mustard", "Maroon", "Ivory"),
        (499, 999),
        300,
    ),
    Template(
        "DOHAR",
        "Dohar",
        "home",
        (
            ("Mulmul Cotton Dohar", "MLM"),
            ("Block Print Reversible Dohar", "BPR"),
            ("Jaipuri Razai Dohar", "JRD"),
        ),
        ("Single", "Double"),
        ("Blue", "Pink", "Green", "Grey"),
        (1299, 2499),
        1100,
    ),
    Template(
        "TRUNR",
        "Table Runner",
        "home",
        (
            ("Handloom Table Runner", "HLM"),
            ("Ikat Table Runner", "IKT"),
            ("Kalamkari Table Runner", "KTR"),
        ),
        (),
        ("Red", "Blue", "Beige", "Grey"),
        (499, 899),
        250,
    ),
    Template(
        "CANDL",
        "Scented Candle",
        "home",
        (
            ("Mogra Jar Candle", "MGR"),
            ("Sandalwood Jar Candle", "SDL"),
            ("Masala Chai Jar Candle", "MCH"),
            ("Rajnigandha Jar Candle", "RJN"),
        ),
        ("150 g", "300 g"),
        (),
        (399, 799),
        350,
        Decimal("0.18"),
    ),
)

CODES = {
    "Blue": "BLU",
    "Maroon": "MRN",
    "Mustard": "MST",
    "Green": "GRN",
    "Black": "BLK",
    "White": "WHT",
    "Pink": "PNK",
    "Peach": "PCH",
    "Navy": "NVY",
    "Beige": "BGE",
    "Teal": "TEL",
    "Ivory": "IVR",
    "Red": "RED",
    "Grey": "GRY",
    "Single": "SGL",
    "Double": "DBL",
    "King": "KNG",
    "Rose Nude": "RSN",
    "Brick Red": "BRK",
    "Berry": "BRY",
    "Coral": "CRL",
    "Mauve": "MAV",
    "Chilli Red": "CHR",
}
