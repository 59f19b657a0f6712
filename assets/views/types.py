"""The asset-type editor: types by origin (system and inherited ones read-only), and their field
definitions added, edited, reordered and deleted through assets.services.asset_types."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse

from assets.access.permissions import can_manage_org
from assets.core import catalogue
from assets.core.errors import Conflict, Duplicate, InUse, NotFound, ValidationFailed
from assets.core.forms import place_errors
from assets.core.inputs import id_from_text

from ..forms import AssetTypeForm, FieldDefinitionForm, NewAssetTypeForm
from ..models import AssetType
from ..services import asset_types
from ..services.assets import visible_assets
from .common import delete_or_explain, organization_list, page_organization, post_only, staff_page
from .presenters import json_text

ORIGIN_LABELS = {catalogue.SYSTEM: "System", catalogue.ORGANIZATION: "Own", catalogue.PARENT_ORGANIZATION: "Inherited"}


def can_edit_type(user, asset_type) -> bool:
    if asset_type.organization_id is None:
        return user.is_superuser
    return can_manage_org(user, asset_type.organization_id)


def _visible_counts(user, type_ids) -> dict[int, int]:
    """Assets per type among those the user may see: a count never reveals hidden assets."""
    rows = visible_assets(user).filter(type_id__in=type_ids).values("type_id").annotate(n=Count("pk")).order_by()
    return {row["type_id"]: row["n"] for row in rows}


def params_summary(definition) -> list[str]:
    params = definition.params or {}
    parts = []
    for name, label in (("max_length", "max length"), ("min", "min"), ("max", "max")):
        if params.get(name) is not None:
            parts.append(f"{label} {params[name]}")
    if params.get("pattern"):
        parts.append(f"pattern {params['pattern']}")
    if params.get("options"):
        parts.append("options: " + ", ".join(o.get("title") or o["code"] for o in params["options"]))
    return parts


@staff_page
def type_list(request):
    organization, _ = page_organization(request)
    if organization is not None:
        queryset = AssetType.objects.available_to(organization)
    else:
        queryset, _ = asset_types.visible_types(request.user)
    types = list(
        asset_types.with_definitions(queryset.select_related("organization")).order_by(
            "organization__tree_id", "organization__lft", "order", "title", "id"
        )
    ) if organization_list(request) or request.user.is_superuser else []
    counts = _visible_counts(request.user, [t.pk for t in types])
    rows = []
    for asset_type in types:
        origin = catalogue.origin(asset_type, organization or asset_type.organization)
        rows.append({
            "type": asset_type,
            "origin": origin,
            "origin_label": ORIGIN_LABELS[origin],
            "editable": origin != catalogue.PARENT_ORGANIZATION and can_edit_type(request.user, asset_type),
            "fields": list(asset_type.field_definitions.all()),
            "asset_count": counts.get(asset_type.pk, 0),
        })
    may_create = request.user.is_superuser or any(can_manage_org(request.user, o.pk) for o in organization_list(request))
    return render(request, "assets/type_list.html", {
        "section": "types", "rows": rows, "organization": organization, "may_create": may_create,
    })


def _managed_organization_choices(request):
    choices = [(str(o.pk), o.title) for o in organization_list(request) if can_manage_org(request.user, o.pk)]
    if request.user.is_superuser:
        choices.insert(0, ("system", "System (every organization)"))
    return choices


@staff_page
def type_create(request):
    choices = _managed_organization_choices(request)
    if not choices:
        return render(request, "errors/403.html", {"reason": "Creating types needs the manage permission on an organization."}, status=403)
    current, _ = page_organization(request)
    initial = {"organization": str(current.pk)} if current is not None else {}
    form = NewAssetTypeForm(request.POST or None, organization_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization_id = None if data["organization"] == "system" else int(data["organization"])
        try:
            created = asset_types.create_type(
                request.user, organization_id=organization_id, code=(data.get("code") or "").strip(),
                title=data.get("title") or "", description=data.get("description") or "", order=data.get("order"),
            )
        except (ValidationFailed, Duplicate) as exc:
            place_errors(form, exc)
        else:
            messages.success(request, f"Created type {created.title}. Add its fields below.")
            return redirect("type_detail", created.pk)
    return render(request, "assets/type_new.html", {"section": "types", "form": form},
                  status=400 if request.method == "POST" else 200)


def _editor_context(request, asset_type, **extra) -> dict:
    definitions = list(asset_type.field_definitions.all())
    editable = can_edit_type(request.user, asset_type)
    current, _ = page_organization(request)
    inherited_by = current if (
        current is not None and asset_type.organization_id is not None and current.pk != asset_type.organization_id
    ) else None
    context = {
        "section": "types",
        "asset_type": asset_type,
        "origin_label": ORIGIN_LABELS[catalogue.origin(asset_type, asset_type.organization)],
        "editable": editable,
        "inherited_by": inherited_by,
        "fields": [{"definition": d, "params": params_summary(d), "params_json": json_text(d.params, indent=None)}
                   for d in definitions],
        "asset_count": _visible_counts(request.user, [asset_type.pk]).get(asset_type.pk, 0),
        "type_form": AssetTypeForm(auto_id="type_%s", initial={
            "title": asset_type.title, "description": asset_type.description, "order": asset_type.order,
            "version": asset_type.version,
        }),
        "field_form": FieldDefinitionForm(auto_id="add_%s", initial={"version": asset_type.version, "field_type": "STRING"}),
        "editing_code": None,
    }
    context.update(extra)
    return context


@staff_page
def type_detail(request, type_id: int):
    asset_type = asset_types.get_type(request.user, type_id)
    return render(request, "assets/type_detail.html", _editor_context(request, asset_type))


def _posted(request, type_id: int, form_class, auto_id: str):
    """The type a form on its editor page was posted to, and that form bound to the POST."""
    return asset_types.get_type(request.user, type_id), form_class(request.POST, auto_id=auto_id)


def _conflict_message(request, exc: Conflict) -> None:
    messages.error(
        request,
        f"Someone changed this type while you were editing (it is now at version {exc.current_version}). "
        "The page shows the current definition; make your change again.",
    )


@staff_page
@post_only("type_detail", "type_id")
def type_update(request, type_id: int):
    asset_type, form = _posted(request, type_id, AssetTypeForm, "type_%s")
    if form.is_valid():
        data = form.cleaned_data
        changes = {"title": data.get("title") or "", "description": data.get("description") or ""}
        if data.get("order") is not None:
            changes["order"] = data["order"]
        try:
            asset_types.update_type(request.user, asset_type.pk, version=data.get("version"), **changes)
        except Conflict as exc:
            _conflict_message(request, exc)
            return redirect("type_detail", asset_type.pk)
        except ValidationFailed as exc:
            place_errors(form, exc)
        else:
            messages.success(request, "Saved the type.")
            return redirect("type_detail", asset_type.pk)
    return render(request, "assets/type_detail.html", _editor_context(request, asset_type, type_form=form), status=400)


@staff_page
@post_only("type_detail", "type_id")
def type_delete(request, type_id: int):
    asset_type = asset_types.get_type(request.user, type_id)
    if not delete_or_explain(request, asset_type.title,
                             lambda version: asset_types.delete_type(request.user, asset_type.pk, version=version)):
        return redirect("type_detail", asset_type.pk)
    messages.success(request, f"Deleted type {asset_type.title}.")
    return redirect("type_list")


@staff_page
@post_only("type_detail", "type_id")
def field_add(request, type_id: int):
    asset_type, form = _posted(request, type_id, FieldDefinitionForm, "add_%s")
    if form.is_valid():
        try:
            asset_types.add_field(request.user, asset_type.pk, form.spec(), version=form.cleaned_data.get("version"))
        except Conflict as exc:
            _conflict_message(request, exc)
            asset_type = asset_types.get_type(request.user, type_id)
            return render(request, "assets/type_detail.html", _editor_context(request, asset_type, field_form=form), status=409)
        except (ValidationFailed, Duplicate, InUse) as exc:
            form.map_errors(exc)
        else:
            messages.success(request, f"Added field {form.cleaned_data.get('title') or form.cleaned_data.get('code')}.")
            return redirect(f"{reverse('type_detail', args=[asset_type.pk])}#fields")
    return render(request, "assets/type_detail.html", _editor_context(request, asset_type, field_form=form), status=400)


def _definition(asset_type, code):
    definition = next((d for d in asset_type.field_definitions.all() if d.code == code), None)
    if definition is None:
        raise NotFound(f"type {asset_type.code} has no field {code}")
    return definition


@staff_page
def field_edit(request, type_id: int, code: str):
    asset_type = asset_types.get_type(request.user, type_id)
    definition = _definition(asset_type, code)
    if request.method == "POST":
        form = FieldDefinitionForm(request.POST, existing=definition, auto_id="edit_%s")
        if form.is_valid():
            try:
                asset_types.update_field(
                    request.user, asset_type.pk, code, form.spec(), version=form.cleaned_data.get("version")
                )
            except Conflict as exc:
                _conflict_message(request, exc)
                return redirect("type_detail", asset_type.pk)
            except (ValidationFailed, InUse) as exc:
                form.map_errors(exc)
            else:
                messages.success(request, f"Saved field {definition.code}.")
                return redirect(f"{reverse('type_detail', args=[asset_type.pk])}#fields")
        status = 400
    else:
        form = FieldDefinitionForm(
            initial=FieldDefinitionForm.initial_for(definition, asset_type.version), existing=definition, auto_id="edit_%s"
        )
        status = 200
    context = {"asset_type": asset_type, "definition": definition, "form": form, "section": "types",
               "editable": can_edit_type(request.user, asset_type)}
    if request.htmx and request.method == "GET":
        return render(request, "assets/partials/field_edit_row.html", context)
    return render(request, "assets/field_edit.html", context, status=status)


@staff_page
@post_only("type_detail", "type_id")
def field_move(request, type_id: int, code: str):
    """Moves a field one place up or down. Orders are renumbered 10, 20, 30… in one transaction;
    the first write checks the version the page was showing."""
    asset_type = asset_types.get_type(request.user, type_id)
    definitions = list(asset_type.field_definitions.all())
    position = next((i for i, d in enumerate(definitions) if d.code == code), None)
    if position is None:
        raise NotFound(f"type {asset_type.code} has no field {code}")
    target = position - 1 if request.POST.get("direction") == "up" else position + 1
    if 0 <= target < len(definitions):
        definitions[position], definitions[target] = definitions[target], definitions[position]
        version = id_from_text(request.POST.get("version"))
        try:
            with transaction.atomic():
                for index, definition in enumerate(definitions):
                    wanted = (index + 1) * 10
                    if definition.order != wanted:
                        asset_types.update_field(request.user, asset_type.pk, definition.code, {"order": wanted}, version=version)
                        version = None
        except Conflict as exc:
            _conflict_message(request, exc)
    return redirect(f"{reverse('type_detail', args=[asset_type.pk])}#field-{code}")


@staff_page
@post_only("type_detail", "type_id")
def field_delete(request, type_id: int, code: str):
    asset_type = asset_types.get_type(request.user, type_id)
    definition = _definition(asset_type, code)
    drop_values = request.POST.get("drop_values") == "true"
    try:
        asset_types.delete_field(
            request.user, asset_type.pk, code, version=id_from_text(request.POST.get("version")), drop_values=drop_values
        )
    except Conflict as exc:
        _conflict_message(request, exc)
    except InUse as exc:
        affected = exc.extra.get("affected_assets")
        return render(request, "assets/field_delete.html", {
            "section": "types", "asset_type": asset_type, "code": code, "affected": affected,
            "field_title": definition.title or code, "version": asset_type.version,
        }, status=409)
    else:
        messages.success(request, f"Deleted field {code}.")
    return redirect(f"{reverse('type_detail', args=[asset_type.pk])}#fields")
