"""Auth, create, tracking shape, limits and the other endpoints of the Delhivery sandbox
(channel-apis.md §5.1, logistics-finance-notes.md §1)."""

from __future__ import annotations

import json

import pytest

from tests.sandbox.delhivery.conftest import ROOT, WAREHOUSE, item

# channel-apis.md §5.1, the real (trimmed) tracking response.
REFERENCE_TRACK = json.loads("""
{"ShipmentData":[{"Shipment":{
 "AWB":"26805710004126","ReferenceNo":"2245","OrderType":"COD","CODAmount":3000,
 "InvoiceAmount":5000,"PickUpDate":"2024-09-21T18:10:52","PickedupDate":"2024-09-21T18:10:52",
 "Origin":"Amritsar_VerkaBypss_I (Punjab)","Destination":"Nakodar",
 "OriginRecieveDate":"2024-09-21T18:20:25.57","DestRecieveDate":null,
 "ExpectedDeliveryDate":"2024-09-24T23:59:59","PromisedDeliveryDate":"2024-09-24T23:59:59",
 "DeliveryDate":null,"RTOStartedDate":null,"ReturnedDate":null,"ReverseInTransit":false,
 "FirstAttemptDate":null,"Quantity":"1",
 "Consignee":{"Name":"x","City":"Nakodar","State":"Punjab","PinCode":144042,"Country":"India",
              "Address1":[],"Telephone1":""},
 "Status":{"Status":"In Transit","StatusType":"UD","StatusCode":"X-ILL1F",
           "StatusLocation":"Jalandhar_QajiMandi_P (Punjab)",
           "StatusDateTime":"2024-09-22T09:25:10.124","RecievedBy":"",
           "Instructions":"Bag Received at Facility"},
 "Scans":[{"ScanDetail":{"ScanDateTime":"2024-09-21T14:31:48.752","ScanType":"UD",
           "Scan":"Manifested","StatusDateTime":"2024-09-21T14:31:48.752",
           "ScannedLocation":"Amritsar_VerkaBypss_I (Punjab)",
           "StatusCode":"X-UCI","Instructions":"Manifest uploaded"}}]}}]}
""")
CREATE_KEYS = {
    "cash_pickups_count",
    "package_count",
    "upload_wbn",
    "replacement_count",
    "pickups_count",
    "packages",
    "cash_pickups",
    "cod_count",
    "success",
    "prepaid_count",
    "cod_amount",
}
PACKAGE_KEYS = {
    "status",
    "client",
    "sort_code",
    "remarks",
    "waybill",
    "cod_amount",
    "payment",
    "serviceable",
    "refnum",
}


def test_missing_or_wrong_token_is_401_in_delhiverys_style(dlv, client):
    response = client.get(f"{ROOT}/api/v1/packages/json/", {"waybill": "1"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    response = dlv.get("/api/v1/packages/json/", {"waybill": "1"}, token="nope")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    bearer = client.get(
        f"{ROOT}/api/v1/packages/json/", {"waybill": "1"}, HTTP_AUTHORIZATION=f"Bearer {dlv.token}"
    )
    assert bearer.status_code == 401
    other = client.get(
        "/sandbox/delhivery/someone-else/api/v1/packages/json/",
        {"waybill": "1"},
        HTTP_AUTHORIZATION=f"Token {dlv.token}",
    )
    assert other.status_code == 401


def _keys(tree):
    if isinstance(tree, dict):
        return {key: _keys(value) for key, value in tree.items()}
    if isinstance(tree, list) and tree and isinstance(tree[0], dict):
        return [_keys(tree[0])]
    return None


def test_create_answers_the_documented_shape_and_tracking_matches_the_reference(dlv, frozen_clock):
    answer = dlv.create(item("ORD-1"))
    assert set(answer) == CREATE_KEYS
    assert answer["upload_wbn"].startswith("UPL")
    assert len(answer["upload_wbn"]) == 22
    (package,) = answer["packages"]
    assert set(package) == PACKAGE_KEYS
    assert package["status"] == "Success"
    assert package["remarks"] == [""]
    assert package["payment"] == "COD"
    assert package["cod_amount"] == 799
    assert package["serviceable"] is True
    assert package["refnum"] == "ORD-1"
    assert len(package["waybill"]) == 14
    assert package["waybill"].isdigit()
    assert answer["cod_count"] == 1
    assert answer["cod_amount"] == 799
    assert answer["success"] is True

    manifested = dlv.track(package["waybill"])["ShipmentData"][0]["Shipment"]
    assert manifested["Status"]["Status"] == "Manifested"
    assert manifested["Status"]["StatusCode"] == "X-UCI"
    frozen_clock.advance(30 * 3600)
    tracked = dlv.track(package["waybill"])
    assert _keys(tracked) == _keys(REFERENCE_TRACK)
    shipment = tracked["ShipmentData"][0]["Shipment"]
    assert shipment["AWB"] == package["waybill"]
    assert shipment["ReferenceNo"] == "ORD-1"
    assert shipment["OrderType"] == "COD"
    assert shipment["Consignee"]["PinCode"] == 560034
    assert all(scan["ScanDetail"]["StatusCode"] for scan in shipment["Scans"])
    assert "+" not in shipment["Scans"][0]["ScanDetail"]["ScanDateTime"]
    assert "Z" not in shipment["Scans"][0]["ScanDetail"]["ScanDateTime"]
    fractions = {len(s["ScanDetail"]["ScanDateTime"].partition(".")[2]) for s in shipment["Scans"]}
    assert len(fractions) > 1  # variable fractional digits


def test_create_refusals_format_characters_order_length(dlv):
    data = json.dumps({"shipments": [item("A1")], "pickup_location": {"name": WAREHOUSE}})
    missing = dlv.create_raw({"data": data})
    assert missing.json()["rmk"] == "format key missing"
    assert missing.json()["success"] is False
    for character in ("&", "#", "%", ";", "\\\\"):
        bad = json.dumps(
            {
                "shipments": [item("A1", add=f"Flat 1 {character} 2")],
                "pickup_location": {"name": WAREHOUSE},
            }
        )
        refused = dlv.create_raw({"format": "json", "data": bad}).json()
        assert refused["success"] is False, character
    long = dlv.create(item("X" * 51))
    assert long["packages"][0]["status"] == "Fail"
    assert long["success"] is False
    ok = dlv.create(item("X" * 50))
    assert ok["packages"][0]["status"] == "Success"
    wrong_warehouse = dlv.create_raw(
        {
            "format": "json",
            "data": json.dumps({"shipments": [item("B1")], "pickup_location": {"name": "?"}}),
        }
    ).json()
    assert wrong_warehouse["success"] is False


def test_duplicate_detection_on_the_documented_fields(dlv):
    first = dlv.create(item("DUP-1"))["packages"][0]
    again = dlv.create(item("DUP-1"))["packages"][0]
    assert first["status"] == "Success"
    assert again["status"] == "Fail"
    assert "Duplicate" in again["remarks"][0]
    # Any of (order, total, products_desc, payment_mode, consignee name) different: a new one.
    for change in (
        {"total_amount": 800, "cod_amount": 800},
        {"products_desc": "Silk saree"},
        {"payment_mode": "Prepaid"},
        {"name": "Someone Else"},
        {"order": "DUP-2"},
    ):
        assert (
            dlv.create(item(change.pop("order", "DUP-1"), **change))["packages"][0]["status"]
            == "Success"
        )
    # The address is not part of it.
    assert dlv.create(item("DUP-1", add="Elsewhere"))["packages"][0]["status"] == "Fail"


def test_tracking_takes_at_most_50_waybills_and_unknown_ones_are_not_found(dlv):
    unknown = dlv.get("/api/v1/packages/json/", {"waybill": ",".join(str(n) for n in range(50))})
    assert unknown.status_code == 200
    assert unknown.json() == {"ShipmentData": [], "Error": "No such waybill or Order Id found"}
    over = dlv.get("/api/v1/packages/json/", {"waybill": ",".join(str(n) for n in range(51))})
    assert over.status_code == 400
    waybill = dlv.create(item("T-1"))["packages"][0]["waybill"]
    mixed = dlv.track(waybill, "99999999999999")
    assert [s["Shipment"]["AWB"] for s in mixed["ShipmentData"]] == [waybill]
    by_ref = dlv.get("/api/v1/packages/json/", {"ref_ids": "T-1"}).json()
    assert by_ref["ShipmentData"][0]["Shipment"]["AWB"] == waybill
    one_unknown = dlv.get("/api/v1/packages/json/", {"ref_ids": "T-1,NOPE"}).json()
    assert one_unknown["ShipmentData"] == []


def test_750_tracking_calls_per_5_minutes_then_a_waf_403_until_the_window_moves(dlv, frozen_clock):
    frozen_clock.now = float(int(frozen_clock.now) // 300 * 300)  # the start of a window
    for _ in range(750):
        assert dlv.get("/api/v1/packages/json/", {"waybill": "1"}).status_code == 200
    blocked = dlv.get("/api/v1/packages/json/", {"waybill": "1"})
    assert blocked.status_code == 403
    assert blocked["Content-Type"].startswith("text/html")
    assert b"403 Forbidden" in blocked.content
    # The WAF is in front: even a request without a token is refused with its 403.
    assert dlv.client.get(f"{ROOT}/api/v1/packages/json/").status_code == 403
    # Other APIs count separately.
    assert dlv.get("/c/api/pin-codes/json/", {"filter_codes": "560034"}).status_code == 200
    frozen_clock.advance(299)
    assert dlv.get("/api/v1/packages/json/", {"waybill": "1"}).status_code == 403
    frozen_clock.advance(1)
    assert dlv.get("/api/v1/packages/json/", {"waybill": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("api", "path", "params"),
    [
        ("charges", "/api/kinko/v1/invoice/charges/.json",
         {"md": "S", "ss": "Delivered", "o_pin": "110044", "d_pin": "560034", "cgm": "500"}),
        ("serviceability", "/c/api/pin-codes/json/", {"filter_codes": "560034"}),
    ],
)  # fmt: skip
def test_limits_are_a_setting_tests_can_lower(dlv, frozen_clock, settings, api, path, params):
    settings.SANDBOX_DELHIVERY_LIMITS = {api: (3, 60)}
    frozen_clock.now = float(int(frozen_clock.now) // 60 * 60)
    assert [dlv.get(path, params).status_code for _ in range(4)] == [200, 200, 200, 403]
    frozen_clock.advance(60)
    assert dlv.get(path, params).status_code == 200


def test_charges_are_deterministic_inr_slabs_by_weight_and_zone(dlv):
    def quote(**params):
        base = {"md": "S", "ss": "Delivered", "o_pin": "110044", "d_pin": "560034", "cgm": "500"}
        response = dlv.get(
            "/api/kinko/v1/invoice/charges/.json", {**base, "pt": "Pre-paid", **params}
        )
        assert response.status_code == 200, response.content
        (answer,) = response.json()
        return answer

    light = quote()
    for key in ("total_amount", "gross_amount", "charge_COD", "charge_DL", "charge_RTO", "zone",
                "tax_data", "charged_weight", "status"):  # fmt: skip
        assert key in light
    assert set(light["tax_data"]) >= {"IGST", "SGST", "CGST"}
    assert light["zone"] == "C"
    assert light["charge_COD"] == 0
    assert light["total_amount"] == pytest.approx(light["gross_amount"] * 1.18, abs=0.01)
    assert light["tax_data"]["IGST"] > 0  # Delhi → Karnataka
    assert quote() == light
    heavier = quote(cgm="1200")
    assert heavier["charged_weight"] == 1500
    assert heavier["gross_amount"] > light["gross_amount"]
    cod = quote(pt="COD")
    assert cod["charge_COD"] > 0
    assert cod["total_amount"] > light["total_amount"]
    local = quote(d_pin="110017")
    assert local["zone"] == "A"
    assert local["gross_amount"] < light["gross_amount"]
    assert local["tax_data"]["CGST"] > 0
    assert local["tax_data"]["IGST"] == 0
    rto = quote(ss="RTO", pt="COD")
    assert rto["charge_RTO"] > 0
    assert rto["charge_COD"] == 0
    express = quote(md="E")
    assert express["gross_amount"] > light["gross_amount"]


def test_serviceability_and_packing_slip(dlv):
    codes = dlv.get("/c/api/pin-codes/json/", {"filter_codes": "560034"}).json()
    (postal,) = [c["postal_code"] for c in codes["delivery_codes"]]
    assert postal["pin"] == 560034
    assert postal["cod"] == "Y"
    assert postal["pre_paid"] == "Y"
    assert dlv.get("/c/api/pin-codes/json/", {"filter_codes": "999999"}).json() == {
        "delivery_codes": []
    }
    assert dlv.create(item("NS-1", pin="999999"))["packages"][0]["serviceable"] is False
    waybill = dlv.create(item("PS-1"))["packages"][0]["waybill"]
    slip = dlv.get("/api/p/packing_slip", {"wbns": waybill, "pdf": "false"}).json()
    (label,) = slip["packages"]
    assert label["wbn"] == waybill
    assert label["oid"] == "PS-1"
    assert label["pin"] == 560034
    assert label["sort_code"]
    assert label["pt"] == "COD"
    assert label["cod"] == 799
