"""Optimistic locking: the version check and the increment are one conditional UPDATE."""

from __future__ import annotations

from django.db.models import F, ProtectedError, RestrictedError

from assets.core.errors import Conflict, InUse, NotFound


def check_version(instance, expected_version: int | None) -> None:
    """Early, friendly answer for a stale version (the UPDATE below stays the real guard)."""
    if expected_version is not None and instance.version != expected_version:
        raise Conflict(type(instance).change_log_type, instance.pk, expected_version, instance.version)


def save_versioned(instance, expected_version: int | None, fields: list[str]) -> None:
    """Write `fields` of `instance` and bump its version, only if the row is still at the version
    the caller read (or the client sent). Raises Conflict otherwise; nothing is written then."""
    model = type(instance)
    base_version = instance.version if expected_version is None else expected_version
    values = {name: getattr(instance, name) for name in fields}
    for field in model._meta.concrete_fields:
        if field.name in values and field.attname != field.name:
            related = values.pop(field.name)
            values[field.attname] = related.pk if related is not None else None
    updated = model._default_manager.filter(pk=instance.pk, version=base_version).update(
        version=F("version") + 1, **values
    )
    if updated == 0:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        if current is None:
            raise NotFound(f"{model.change_log_type} {instance.pk} does not exist")
        expected = expected_version if expected_version is not None else base_version
        raise Conflict(model.change_log_type, instance.pk, expected, current)
    instance.version = base_version + 1


def delete_versioned(instance, expected_version: int | None) -> None:
    model = type(instance)
    qs = model._default_manager.filter(pk=instance.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    try:
        deleted, _ = qs.delete()
    except (ProtectedError, RestrictedError) as exc:
        # Rows of other apps (groups, link types, ...) still point here with PROTECT.
        blockers: dict[str, int] = {}
        for row in exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects:
            name = str(row._meta.verbose_name_plural)
            blockers[name] = blockers.get(name, 0) + 1
        summary = ", ".join(f"{n} {name}" for name, n in sorted(blockers.items()))
        raise InUse(f"{model.change_log_type} {instance.pk} is still used by {summary}")
    if not deleted:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        if current is None:
            raise NotFound(f"{model.change_log_type} {instance.pk} does not exist")
        raise Conflict(model.change_log_type, instance.pk, expected_version, current)
