"""Sandbox API users and, for the demo, a batch of booked shipments created through the same
code as the API."""

from __future__ import annotations

import random
import zlib

from sandbox.shiprocket import clock, services
from sandbox.shiprocket.models import SandboxShiprocketUser

DEMO_EMAIL = "api@sangam-demo.in"
DEMO_PASSWORD = "sandbox-password"  # noqa: S105 - the sandbox's demo login
DEMO_PICKUP = "Primary"
DEMO_PIN = "421302"
FORBIDDEN_URL_WORDS = ("shiprocket", "kartrocket", "sr", "kr")
DESTINATIONS = [
    ("400069", "Mumbai", "Maharashtra"),
    ("560034", "Bengaluru", "Karnataka"),
    ("500081", "Hyderabad", "Telangana"),
    ("600004", "Chennai", "Tamil Nadu"),
    ("700039", "Kolkata", "West Bengal"),
    ("302017", "Jaipur", "Rajasthan"),
    ("411038", "Pune", "Maharashtra"),
    ("226024", "Lucknow", "Uttar Pradesh"),
    ("781001", "Guwahati", "Assam"),
]
NAMES = ["Aarav Sharma", "Priya Nair", "Rohan Gupta", "Ananya Iyer", "Vikram Singh"]


def check_webhook_url(url: str) -> None:
    """Shiprocket refuses webhook URLs containing these words (logistics-finance-notes.md
    §1); so does the sandbox. Raises ``ValueError``."""
    lowered = url.lower()
    for word in FORBIDDEN_URL_WORDS:
        if word in lowered:
            raise ValueError(f"Shiprocket refuses webhook URLs containing {word!r}: {url}")


def seed_user(
    email: str = DEMO_EMAIL,
    *,
    password: str = DEMO_PASSWORD,
    pickup_location: str = DEMO_PICKUP,
    pickup_postcode: str = DEMO_PIN,
    webhook_url: str = "",
    webhook_token: str = "",
) -> SandboxShiprocketUser:
    """Create or update the API user ``email``."""
    if webhook_url:
        check_webhook_url(webhook_url)
    email = email.strip().lower()
    user, _ = SandboxShiprocketUser.objects.update_or_create(
        email=email,
        defaults={
            "password": password,
            "company_id": 20000 + zlib.crc32(email.encode()) % 80000,
            "pickup_location": pickup_location,
            "pickup_postcode": pickup_postcode,
            "webhook_url": webhook_url,
            "webhook_token": webhook_token,
            "created_at": clock.now(),
        },
    )
    return user


def seed_shipments(user: SandboxShiprocketUser, count: int, seed: int = 1) -> list[str]:
    """Book ``count`` shipments now (order, AWB, pickup, as the API would); their AWBs."""
    rng = random.Random(seed)  # noqa: S311
    awbs = []
    for n in range(count):
        pin, city, state = rng.choice(DESTINATIONS)
        cod = rng.random() < 0.6
        created = services.create_adhoc(
            user,
            {
                "order_id": f"SB{seed}-{user.pk}-{user.orders.count() + n + 1}",
                "order_date": clock.wire(clock.now()),
                "pickup_location": user.pickup_location,
                "billing_customer_name": rng.choice(NAMES),
                "billing_address": f"{rng.randint(1, 300)}, MG Road",
                "billing_city": city,
                "billing_pincode": pin,
                "billing_state": state,
                "billing_country": "India",
                "billing_phone": f"9{rng.randint(100000000, 999999999)}",
                "order_items": [{"name": "Kurta", "sku": "K-1", "units": 1, "selling_price": 799}],
                "payment_method": "COD" if cod else "Prepaid",
                "sub_total": 799,
                "length": 20,
                "breadth": 15,
                "height": 5,
                "weight": 0.5,
            },
        )
        assigned = services.assign_awb(user, {"shipment_id": created["shipment_id"]})
        if assigned["awb_assign_status"] == 1:
            services.pickup(user, {"shipment_id": [created["shipment_id"]]})
            awbs.append(assigned["response"]["data"]["awb_code"])
    return awbs
