"""Where a pin code is, for the sandbox: its hub and delivery centre (names styled like
Delhivery's ``City_Area_Type (State)`` facility names of the real scans in channel-apis.md §5.1),
its sort code (``ATQ/VKI``-style: hub code / centre code), whether it is serviceable, COD or ODA,
and the zone between two pins (A within city … E special; zone letters as in Delhivery rate
cards). The table is the sandbox's own invention, coarse by the first two digits of the pin.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    city: str
    state: str
    hub: str
    centre: str
    code: str
    metro: bool = False


REGIONS: dict[str, Region] = {
    "11": Region(
        "Delhi",
        "Delhi",
        "Delhi_Airport_GW (Delhi)",
        "Delhi_MayapuriPhase1_I (Delhi)",
        "DEL/MYP",
        metro=True,
    ),
    "12": Region(
        "Gurgaon",
        "Haryana",
        "Gurgaon_Bilaspur_HB (Haryana)",
        "Gurgaon_Sector37_D (Haryana)",
        "GGN/BLP",
    ),
    "14": Region(
        "Amritsar",
        "Punjab",
        "Chandigarh_Rajpura_GW (Punjab)",
        "Amritsar_VerkaBypss_I (Punjab)",
        "ATQ/VKI",
    ),
    "22": Region(
        "Lucknow",
        "Uttar Pradesh",
        "Lucknow_Chinhat_HB (Uttar Pradesh)",
        "Lucknow_Aliganj_D (Uttar Pradesh)",
        "LKO/ALG",
    ),
    "30": Region(
        "Jaipur",
        "Rajasthan",
        "Jaipur_Sanganer_HB (Rajasthan)",
        "Jaipur_MalviyaNgr_D (Rajasthan)",
        "JAI/MLV",
    ),
    "38": Region(
        "Ahmedabad",
        "Gujarat",
        "Ahmedabad_Changodar_HB (Gujarat)",
        "Ahmedabad_Navrangpura_D (Gujarat)",
        "AMD/NVR",
    ),
    "40": Region(
        "Mumbai",
        "Maharashtra",
        "Mumbai_Bhiwandi_HB (Maharashtra)",
        "Mumbai_Andheri_D (Maharashtra)",
        "BOM/AND",
        metro=True,
    ),
    "41": Region(
        "Pune",
        "Maharashtra",
        "Pune_Chakan_HB (Maharashtra)",
        "Pune_Kothrud_D (Maharashtra)",
        "PNQ/KTD",
    ),
    "50": Region(
        "Hyderabad",
        "Telangana",
        "Hyderabad_Shamshabad_HB (Telangana)",
        "Hyderabad_Madhapur_D (Telangana)",
        "HYD/MDP",
        metro=True,
    ),
    "56": Region(
        "Bengaluru",
        "Karnataka",
        "Bengaluru_Bomsndra_HB (Karnataka)",
        "Bengaluru_Koramangala_D (Karnataka)",
        "BLR/KRM",
        metro=True,
    ),
    "60": Region(
        "Chennai",
        "Tamil Nadu",
        "Chennai_Poonamallee_HB (Tamil Nadu)",
        "Chennai_Mylapore_D (Tamil Nadu)",
        "MAA/MYL",
        metro=True,
    ),
    "68": Region(
        "Kochi", "Kerala", "Kochi_Kalamassery_HB (Kerala)", "Kochi_Edappally_D (Kerala)", "COK/EDP"
    ),
    "70": Region(
        "Kolkata",
        "West Bengal",
        "Kolkata_Dankuni_HB (West Bengal)",
        "Kolkata_Tiljala_D (West Bengal)",
        "CCU/TLJ",
        metro=True,
    ),
    "78": Region(
        "Guwahati", "Assam", "Guwahati_Amingaon_HB (Assam)", "Guwahati_Beltola_D (Assam)", "GAU/BLT"
    ),
}
NATIONAL_HUB = "Bhiwandi_Mankoli_HB (Maharashtra)"
# North-East, Jammu & Kashmir, Ladakh, Himachal, Andaman: zone E and ODA (rate-card practice).
SPECIAL_PREFIXES = frozenset({"17", "18", "19", "74", "78", "79", "73"})
# Pins the sandbox treats as not serviceable at all (to exercise the "serviceable": false path).
UNSERVICEABLE = frozenset({"999999", "000000", "100000"})


def valid_pin(pin: str) -> bool:
    return len(pin) == 6 and pin.isdigit() and pin[0] != "0"


def serviceable(pin: str) -> bool:
    return valid_pin(pin) and pin not in UNSERVICEABLE


def is_oda(pin: str) -> bool:
    """Out-of-delivery-area: the special regions."""
    return pin[:2] in SPECIAL_PREFIXES


def cod_available(pin: str) -> bool:
    return serviceable(pin) and not is_oda(pin)


def region(pin: str, city: str = "", state: str = "") -> Region:
    """The region of ``pin``; an unknown prefix gets a centre named after the given city."""
    known = REGIONS.get(pin[:2])
    if known is not None:
        return known
    name = (city or "Local").replace(" ", "") or "Local"
    place = state or "India"
    return Region(
        city or name,
        place,
        NATIONAL_HUB,
        f"{name}_Central_D ({place})",
        f"{name[:3].upper()}/CEN",
    )


def zone(origin: str, destination: str) -> str:
    """Delhivery-style zone letter between two pins: A same city (first three digits), B same
    region (first two), E special regions, C metro to metro, D rest of India."""
    if origin[:3] == destination[:3]:
        return "A"
    if origin[:2] == destination[:2]:
        return "B"
    if destination[:2] in SPECIAL_PREFIXES or origin[:2] in SPECIAL_PREFIXES:
        return "E"
    if region(origin).metro and region(destination).metro:
        return "C"
    return "D"


def same_state(origin: str, destination: str) -> bool:
    first, second = REGIONS.get(origin[:2]), REGIONS.get(destination[:2])
    if first and second:
        return first.state == second.state
    return origin[:2] == destination[:2]
