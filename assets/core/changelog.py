"""The change log: who changed what, when, with the data before and after."""

from __future__ import annotations

import contextvars
import json

from django.core.serializers.json import DjangoJSONEncoder

from assets.models import ChangeLogEntry

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _jsonable(data):
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def build_entry(
    user, action: str, instance, *, before=None, after=None, organization_id=None, object_type=None
) -> ChangeLogEntry:
    if organization_id is None:
        organization_id = getattr(instance, "organization_id", None)
    if object_type is None:
        object_type = getattr(type(instance), "change_log_type", "") or type(instance)._meta.model_name
    return ChangeLogEntry(
        user=user if getattr(user, "pk", None) else None,
        user_name=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=instance.pk,
        object_repr=str(instance)[:255],
        organization_id=organization_id,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=request_id_var.get(),
    )


def record(
    user, action: str, instance, *, before=None, after=None, organization_id=None, object_type=None
) -> ChangeLogEntry:
    entry = build_entry(
        user, action, instance, before=before, after=after, organization_id=organization_id, object_type=object_type
    )
    entry.save()
    return entry


def record_created(user, instance, *, after=None, **kwargs) -> ChangeLogEntry:
    after = instance.to_change_dict() if after is None else after
    return record(user, ChangeLogEntry.Action.CREATE, instance, after=after, **kwargs)


def record_updated(user, instance, before: dict, **kwargs) -> ChangeLogEntry | None:
    after = instance.to_change_dict()
    return record(user, ChangeLogEntry.Action.UPDATE, instance, before=before, after=after, **kwargs)


def record_deleted(user, instance, before: dict, **kwargs) -> ChangeLogEntry:
    return record(user, ChangeLogEntry.Action.DELETE, instance, before=before, **kwargs)


def record_bulk(entries: list[ChangeLogEntry], batch_size: int = 1000) -> None:
    ChangeLogEntry.objects.bulk_create(entries, batch_size=batch_size)
