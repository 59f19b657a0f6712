import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_device, make_user
from assets.models import AssetDeviceLink

@pytest.mark.parametrize("access", ["object", "organization", "both", "superuser"])
def test_measure(org, truck_type, access):
    assets = [make_asset(org, truck_type, f"T{n:03}", custom_fields={"license_plate": f"HH {n}"}) for n in range(120)]
    for a in assets[:30]:
        AssetDeviceLink.objects.create(asset=a, device=make_device(org), field_code="tracker", is_primary=True)
    user = make_user(superuser=access == "superuser")
    if access in ("object", "both"):
        for a in assets[:: 1 if access == "object" else 2]:
            grant(user, "view_asset", a)
    if access in ("organization", "both"):
        grant(user, "view_org_assets", org)
    api = ApiClient(user)
    for limit in (10, 100):
        for params in ({}, {"ordering": "-cf_license_plate", "cf_license_plate__contains": "H"}):
            with CaptureQueriesContext(connection) as ctx:
                r = api.get("/assets", {"limit": limit, **params})
            print(f"\nMEASURE {connection.vendor} access={access} limit={limit} cf={bool(params)} queries={len(ctx)} items={len(r.json()['items'])}")
            if access == "both" and limit == 10 and not params:
                for q in ctx.captured_queries: print("   ", q["sql"][:160])
