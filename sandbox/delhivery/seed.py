"""Sandbox clients (Delhivery accounts) and, for the demo, a batch of shipments created
through the same code as ``create.json``."""

from __future__ import annotations

import hashlib
import json
import random

from sandbox.delhivery import clock, services
from sandbox.delhivery.models import SandboxDelhiveryClient

DEMO_CLIENT = "sangam-delhivery-demo"
DEMO_WAREHOUSE = "SANGAM-DEL-WH1"
DEMO_PIN = "110044"
DESTINATIONS = [
    ("400069", "Mumbai", "Maharashtra"),
    ("560034", "Bengaluru", "Karnataka"),
    ("500081", "Hyderabad", "Telangana"),
    ("600004", "Chennai", "Tamil Nadu"),
    ("700039", "Kolkata", "West Bengal"),
    ("144042", "Nakodar", "Punjab"),
    ("302017", "Jaipur", "Rajasthan"),
    ("411038", "Pune", "Maharashtra"),
    ("226024", "Lucknow", "Uttar Pradesh"),
    ("110017", "Delhi", "Delhi"),
    ("682024", "Kochi", "Kerala"),
    ("380009", "Ahmedabad", "Gujarat"),
]
NAMES = ["Aarav Sharma", "Priya Nair", "Rohan Gupta", "Ananya Iyer", "Vikram Singh",
         "Meera Das", "Kabir Khan", "Sneha Patil", "Arjun Reddy", "Isha Verma"]  # fmt: skip
PRODUCTS = ["Kurta cotton", "Ayurvedic hair oil", "Steel bottle", "Silk saree", "Face serum"]


def default_token(name: str) -> str:
    """A stable 40-hex token per client name (Delhivery tokens are 40 hex characters)."""
    return hashlib.sha1(f"sandbox-delhivery:{name}".encode()).hexdigest()  # noqa: S324


def seed_client(
    name: str = DEMO_CLIENT,
    *,
    token: str | None = None,
    warehouse: str = DEMO_WAREHOUSE,
    warehouse_pin: str = DEMO_PIN,
    push_url: str = "",
) -> SandboxDelhiveryClient:
    """Create or update the client ``name`` with its static token and push URL."""
    client, _ = SandboxDelhiveryClient.objects.update_or_create(
        name=name,
        defaults={
            "token": token or default_token(name),
            "warehouse": warehouse,
            "warehouse_pin": warehouse_pin,
            "push_url": push_url,
            "created_at": clock.now(),
        },
    )
    return client


def shipment_item(rng: random.Random, order: str, cod_share: float = 0.6) -> dict:
    pin, city, state = rng.choice(DESTINATIONS)
    cod = rng.random() < cod_share
    total = rng.choice((399, 549, 799, 1299, 1899, 2499))
    return {
        "name": rng.choice(NAMES),
        "add": f"{rng.randint(1, 300)}, {rng.choice(['MG Road', 'Park Street', 'Link Road'])}",
        "pin": pin,
        "city": city,
        "state": state,
        "country": "India",
        "phone": f"9{rng.randint(100000000, 999999999)}",
        "order": order,
        "payment_mode": "COD" if cod else "Prepaid",
        "cod_amount": total if cod else 0,
        "total_amount": total,
        "products_desc": rng.choice(PRODUCTS),
        "quantity": "1",
        "weight": rng.choice((250, 500, 800, 1200)),
        "shipping_mode": "Surface",
    }


def seed_shipments(client: SandboxDelhiveryClient, count: int, seed: int = 1) -> list[str]:
    """Create ``count`` shipments now (as ``create.json`` would); their waybills."""
    rng = random.Random(seed)  # noqa: S311
    prefix = f"SB{seed}-{client.pk}-"
    existing = client.shipments.count()
    items = [shipment_item(rng, f"{prefix}{existing + n + 1}") for n in range(count)]
    waybills: list[str] = []
    for start in range(0, len(items), 100):
        data = {
            "shipments": items[start : start + 100],
            "pickup_location": {"name": client.warehouse},
        }
        answer = services.create(client, {"format": "json", "data": json.dumps(data)})
        waybills += [p["waybill"] for p in answer["packages"] if p["status"] == "Success"]
    return waybills
