"""The field editor's and the admin's `indexed` checkbox: both go through the asset-type service
(the same refusal as the API, the same queued build), and the type page shows the index's state."""

from __future__ import annotations

import json

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from assets.models import CustomFieldDefinition


def test_the_field_editor_adds_an_indexed_field_and_shows_its_state(client_for, world):
    client = client_for(world.manager)
    response = client.post(reverse("field_add", args=[world.truck.pk]), {
        "code": "fuel", "title": "Fuel", "field_type": "NUMBER", "indexed": "on", "version": world.truck.version,
    })
    assert response.status_code == 302
    definition = CustomFieldDefinition.objects.get(asset_type=world.truck, code="fuel")
    assert (definition.indexed, definition.index_status) == (True, "pending")
    assert DBTaskResult.objects.filter(task_path="assets.field_index.sync_field_index", args_kwargs__args=[definition.pk]).exists()
    body = client.get(reverse("type_detail", args=[world.truck.pk])).content.decode()
    assert "indexed: being built" in body

    edit = client.get(reverse("field_edit", args=[world.truck.pk, "fuel"])).content.decode()
    assert 'name="indexed"' in edit and "checked" in edit.split('name="indexed"')[1].split(">")[0]
    off = client.post(reverse("field_edit", args=[world.truck.pk, "fuel"]), {
        "title": "Fuel", "version": CustomFieldDefinition.objects.get(pk=definition.pk).asset_type.version,
    })
    assert off.status_code == 302
    assert CustomFieldDefinition.objects.get(pk=definition.pk).indexed is False


def test_the_field_editor_shows_the_refusal_beside_the_checkbox(client_for, world):
    response = client_for(world.manager).post(reverse("field_add", args=[world.truck.pk]), {
        "code": "notes", "title": "Notes", "field_type": "TEXT", "indexed": "on", "version": world.truck.version,
    })
    assert response.status_code == 400
    [message] = response.context["field_form"].errors["indexed"]
    assert "can't be indexed" in message
    assert not CustomFieldDefinition.objects.filter(asset_type=world.truck, code="notes").exists()


def test_the_admin_inline_sets_indexed_through_the_service(admin_client, world):
    truck = world.truck
    definitions = list(truck.field_definitions.order_by("order"))
    data = {"title": truck.title, "order": truck.order, "description": "",
            "field_definitions-TOTAL_FORMS": str(len(definitions)), "field_definitions-INITIAL_FORMS": str(len(definitions)),
            "field_definitions-MIN_NUM_FORMS": "0", "field_definitions-MAX_NUM_FORMS": "1000"}
    for n, definition in enumerate(definitions):
        data.update({
            f"field_definitions-{n}-id": definition.pk, f"field_definitions-{n}-asset_type": truck.pk,
            f"field_definitions-{n}-code": definition.code, f"field_definitions-{n}-title": definition.title,
            f"field_definitions-{n}-field_type": definition.field_type,
            f"field_definitions-{n}-params": json.dumps(definition.params), f"field_definitions-{n}-order": definition.order,
        })
    by_code = {d.code: n for n, d in enumerate(definitions)}
    data[f"field_definitions-{by_code['fuel_capacity_l']}-indexed"] = "on"
    response = admin_client.post(f"/admin/assets/assettype/{truck.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    fuel = CustomFieldDefinition.objects.get(asset_type=truck, code="fuel_capacity_l")
    assert (fuel.indexed, fuel.index_status) == (True, "pending")
    # A DEVICE field has no sort key: the service's refusal shows on the form, nothing changes.
    data[f"field_definitions-{by_code['tracker']}-indexed"] = "on"
    response = admin_client.post(f"/admin/assets/assettype/{truck.pk}/change/", data)
    assert response.status_code == 200
    assert "DEVICE fields can&#x27;t be indexed" in response.content.decode()
    assert CustomFieldDefinition.objects.get(asset_type=truck, code="tracker").indexed is False
