from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from assets.access.permissions import can_manage_org
from assets.core import changelog
from assets.core.errors import Forbidden, InUse, NotFound, ValidationFailed
from assets.core.inputs import clean_text, require_user, unique_or_duplicate
from assets.core.versioning import bulk_save_versioned, check_version, delete_versioned, lock_row, save_versioned

from .. import field_index
from ..field_types import FieldType, InvalidValue, kind_of, validate_code, validate_params, validate_value
from ..models import Asset, AssetDeviceLink, AssetType, CustomFieldDefinition
from .organizations import get_organization


def with_definitions(queryset):
    return queryset.prefetch_related(
        Prefetch("field_definitions", queryset=CustomFieldDefinition.objects.order_by("order", "id"))
    ).annotate(has_assets=Exists(Asset.objects.filter(type_id=OuterRef("pk"))))


def visible_types(user, organization_id: int | None = None):
    """(types, organization) a user may read: with an organization, those available there;
    otherwise SYSTEM types and those of every organization they can see (assets.core.catalogue)."""
    require_user(user)
    if organization_id is not None:
        organization = get_organization(user, organization_id)
        return AssetType.objects.available_to(organization), organization
    return AssetType.objects.visible_to(user), None


def get_type(user, type_id: int) -> AssetType:
    queryset, _ = visible_types(user)
    asset_type = with_definitions(queryset).filter(pk=type_id).select_related("organization").first()
    if asset_type is None:
        raise NotFound(f"asset type {type_id} does not exist")
    return asset_type


def _get_writable_type(user, type_id: int, *, lock: bool = True) -> AssetType:
    asset_type = get_type(user, type_id)
    if asset_type.organization_id is None:
        if not user.is_superuser:
            raise Forbidden("SYSTEM types are read-only")
    elif not can_manage_org(user, asset_type.organization_id):
        raise Forbidden("changing a type needs manage_org on the organization that owns it")
    if lock:
        lock_row(AssetType.objects.all(), asset_type.pk, "asset type")
    return asset_type


def _clean_order(value, field="order") -> int:
    if value is None:
        return 0
    # JSON has one number type: 216.0 is the integer 216, as the request bodies read it.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # The column is a 32-bit integer on PostgreSQL.
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ValidationFailed.field(field, "must be an integer between -2147483648 and 2147483647")
    return value


@transaction.atomic
def create_type(user, *, organization_id, code, title, order=None, description="", fields=None) -> AssetType:
    require_user(user)
    if organization_id is None:
        if not user.is_superuser:
            raise Forbidden("only superusers create SYSTEM types")
        organization = None
    else:
        organization = get_organization(user, organization_id)
        if not can_manage_org(user, organization.pk):
            raise Forbidden("creating a type needs manage_org on the organization")
    try:
        code = validate_code(code)
    except InvalidValue as exc:
        raise ValidationFailed.field("code", str(exc))
    if order is None:
        last = AssetType.objects.filter(organization=organization).order_by("-order").first()
        order = (last.order + 10) if last else 10
    asset_type = AssetType(
        organization=organization,
        code=code,
        title=clean_text(title, "title", max_length=255),
        order=_clean_order(order),
        description=clean_text(description, "description", max_length=10_000, required=False),
    )
    with unique_or_duplicate(f"a type with code '{code}' exists", "code"):
        asset_type.save()
    for position, spec in enumerate(fields or []):
        _create_definition(asset_type, spec, default_order=(position + 1) * 10, field_prefix=f"custom_field_definitions[{position}]")
    changelog.record_created(user, asset_type, after=_type_snapshot(asset_type))
    return get_type(user, asset_type.pk)


def _type_snapshot(asset_type: AssetType) -> dict:
    data = asset_type.to_change_dict()
    data["fields"] = [d.to_change_dict() for d in asset_type.field_definitions.order_by("order", "id")]
    return data


@transaction.atomic
def update_type(user, type_id: int, *, version=None, **changes) -> AssetType:
    asset_type = _get_writable_type(user, type_id)
    asset_type = AssetType.objects.get(pk=asset_type.pk)
    check_version(asset_type, version)
    if "code" in changes and changes["code"] != asset_type.code:
        raise ValidationFailed.field("code", "is immutable after creation")
    before = _type_snapshot(asset_type)
    fields = []
    if "title" in changes:
        asset_type.title = clean_text(changes["title"], "title", max_length=255)
        fields.append("title")
    if "order" in changes:
        asset_type.order = _clean_order(changes["order"])
        fields.append("order")
    if "description" in changes:
        asset_type.description = clean_text(changes["description"], "description", max_length=10_000, required=False)
        fields.append("description")
    asset_type.updated_at = timezone.now()
    save_versioned(asset_type, version, [*fields, "updated_at"])
    changelog.record(user, "update", asset_type, before=before, after=_type_snapshot(asset_type))
    return get_type(user, asset_type.pk)


@transaction.atomic
def delete_type(user, type_id: int, *, version=None) -> None:
    asset_type = _get_writable_type(user, type_id)
    count = Asset.objects.filter(type_id=asset_type.pk).count()
    if count:
        raise InUse(f"{count} assets use type {asset_type.code}", affected_assets=count)
    logged = {}
    indexed = list(asset_type.field_definitions.filter(indexed=True).values_list("pk", flat=True))
    deleted = delete_versioned(
        asset_type, version, before_cascade=lambda row: logged.update(before=_type_snapshot(row))
    )
    for definition_id in indexed:
        field_index.schedule(definition_id)
    changelog.record_deleted(user, deleted, logged["before"])


def _clean_definition_spec(spec, *, field_prefix: str, existing: CustomFieldDefinition | None = None) -> dict:
    if not isinstance(spec, dict):
        raise ValidationFailed.field(field_prefix, "must be an object")
    errors = []
    cleaned: dict = {}
    if existing is None:
        try:
            cleaned["code"] = validate_code(spec.get("code"))
        except InvalidValue as exc:
            errors.append({"field": f"{field_prefix}.code", "message": str(exc)})
        field_type = spec.get("field_type")
        if field_type not in FieldType.values:
            errors.append({"field": f"{field_prefix}.field_type", "message": f"must be one of {', '.join(FieldType.values)}"})
        cleaned["field_type"] = field_type
    else:
        if "code" in spec and spec["code"] != existing.code:
            errors.append({"field": f"{field_prefix}.code", "message": "is immutable"})
        if "field_type" in spec and spec["field_type"] != existing.field_type:
            errors.append({"field": f"{field_prefix}.field_type", "message": "can't change; add a new field instead"})
        cleaned["field_type"] = existing.field_type
    if existing is None or "title" in spec:
        title = spec.get("title")
        if title is None or title == "":  # anything else that isn't text is refused, not replaced
            title = cleaned.get("code") if existing is None else None
        try:
            cleaned["title"] = clean_text(title, f"{field_prefix}.title", max_length=255)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if "order" in spec:
        try:
            cleaned["order"] = _clean_order(spec["order"], f"{field_prefix}.order")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if (existing is None or "params" in spec) and cleaned.get("field_type") in FieldType.values:
        try:
            cleaned["params"] = validate_params(cleaned["field_type"], spec.get("params"))
        except InvalidValue as exc:
            errors.append({"field": f"{field_prefix}.params", "message": str(exc)})
    if "indexed" in spec:
        if not isinstance(spec["indexed"], bool):
            errors.append({"field": f"{field_prefix}.indexed", "message": "must be true or false"})
        else:
            cleaned["indexed"] = spec["indexed"]
    indexed = cleaned.get("indexed", existing.indexed if existing is not None else False)
    if indexed and cleaned.get("field_type") in FieldType.values:
        params = cleaned.get("params", existing.params if existing is not None else {})
        problem = kind_of(cleaned["field_type"]).index_problem(params or {})
        if problem:
            changed = "indexed" if "indexed" in cleaned else "params"
            errors.append({"field": f"{field_prefix}.{changed}", "message": problem})
    unknown = set(spec) - {"code", "title", "field_type", "params", "order", "indexed"}
    if unknown:
        errors.append({"field": field_prefix, "message": f"unknown keys: {', '.join(sorted(unknown))}"})
    if errors:
        raise ValidationFailed("invalid field definition", errors=errors)
    return cleaned


def _create_definition(asset_type, spec, *, default_order: int, field_prefix: str) -> CustomFieldDefinition:
    cleaned = _clean_definition_spec(spec, field_prefix=field_prefix)
    cleaned.setdefault("order", default_order)
    count = Asset.objects.filter(type=asset_type).count() if cleaned["params"].get("required") else 0
    if count:
        raise InUse(
            f"a required field can't be added while {count} assets of the type have no value for it",
            affected_assets=count,
        )
    definition = CustomFieldDefinition(asset_type=asset_type, **cleaned)
    if definition.indexed:
        definition.index_status = CustomFieldDefinition.IndexStatus.PENDING
    with unique_or_duplicate(f"type {asset_type.code} already has a field '{definition.code}'", f"{field_prefix}.code"):
        definition.save()
    if definition.indexed:
        field_index.schedule(definition.pk)
    return definition


def _bump_type(user, asset_type: AssetType, version, before: dict) -> AssetType:
    asset_type.updated_at = timezone.now()
    save_versioned(asset_type, version, ["updated_at"])
    changelog.record(user, "update", asset_type, before=before, after=_type_snapshot(asset_type))
    return asset_type


@transaction.atomic
def add_field(user, type_id: int, spec: dict, *, version=None) -> AssetType:
    asset_type = AssetType.objects.get(pk=_get_writable_type(user, type_id).pk)
    check_version(asset_type, version)
    before = _type_snapshot(asset_type)
    last = asset_type.field_definitions.order_by("-order").first()
    _create_definition(asset_type, spec, default_order=(last.order + 10) if last else 10, field_prefix="field")
    _bump_type(user, asset_type, version, before)
    return get_type(user, asset_type.pk)


def values_violating(asset_type: AssetType, definition: CustomFieldDefinition, params: dict) -> int:
    """How many stored values (or missing required values) the new params would reject."""
    violating = 0
    rows = Asset.objects.filter(type=asset_type).values_list("custom_fields", flat=True)
    for values in rows.iterator(chunk_size=2000):
        if definition.code not in values or values[definition.code] is None:
            violating += bool(params.get("required"))
            continue
        try:
            validate_value(definition.field_type, params, values[definition.code])
        except InvalidValue:
            violating += 1
    return violating


def _writable_field(user, type_id: int, code: str, version):
    """The type (version checked), its field `code` and the type's snapshot before the change."""
    asset_type = AssetType.objects.get(pk=_get_writable_type(user, type_id).pk)
    check_version(asset_type, version)
    definition = asset_type.field_definitions.filter(code=code).first()
    if definition is None:
        raise NotFound(f"type {asset_type.code} has no field '{code}'")
    before = _type_snapshot(asset_type)
    return asset_type, definition, before


@transaction.atomic
def update_field(user, type_id: int, code: str, spec: dict, *, version=None) -> AssetType:
    asset_type, definition, before = _writable_field(user, type_id, code, version)
    cleaned = _clean_definition_spec(spec, field_prefix="field", existing=definition)
    if "params" in cleaned:
        affected = values_violating(asset_type, definition, cleaned["params"])
        if affected:
            raise InUse(
                f"{affected} assets hold values of '{code}' that the new params would reject; change those first",
                affected_assets=affected,
            )
    toggled = cleaned.get("indexed", definition.indexed) != definition.indexed
    for name, value in cleaned.items():
        setattr(definition, name, value)
    if toggled:
        Status = CustomFieldDefinition.IndexStatus
        definition.index_status = Status.PENDING if definition.indexed else Status.NONE
    definition.save()
    if toggled:
        field_index.schedule(definition.pk)
    _bump_type(user, asset_type, version, before)
    return get_type(user, asset_type.pk)


@transaction.atomic
def delete_field(user, type_id: int, code: str, *, version=None, drop_values: bool = False) -> AssetType:
    asset_type, definition, before = _writable_field(user, type_id, code, version)
    holders = Asset.objects.filter(type=asset_type, custom_fields__has_key=code)
    affected = holders.count()
    if affected and not drop_values:
        raise InUse(
            f"{affected} assets hold a value for '{code}'; delete with drop_values=true to remove them too",
            affected_assets=affected,
        )
    if affected:
        now = timezone.now()
        changed = list(holders.select_for_update().order_by("pk"))
        befores = [asset.to_change_dict() for asset in changed]
        for asset in changed:
            asset.custom_fields.pop(code, None)
            asset.updated_at = now
        bulk_save_versioned(changed, ["custom_fields", "updated_at"])
        AssetDeviceLink.objects.filter(asset__type=asset_type, field_code=code).delete()
        changelog.record_bulk([
            changelog.build_entry(user, "update", asset, before=before, after=asset.to_change_dict())
            for asset, before in zip(changed, befores, strict=True)
        ])
    definition_id, indexed = definition.pk, definition.indexed
    definition.delete()
    if indexed:
        field_index.schedule(definition_id)  # finds the definition gone: drops its indexes
    _bump_type(user, asset_type, version, before)
    return get_type(user, asset_type.pk)
