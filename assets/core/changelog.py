"""The change log: who changed what, when, with the data before and after."""

from __future__ import annotations

import contextvars
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assets.core.db.bulk_sql import CHANGE_LOG_COLUMNS
from assets.models import ChangeLogEntry

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _jsonable(data):
    if data is None:
        return None
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def entry_rows(user, action: str, object_type: str, items, *, time=None, jsonable: bool = False) -> list[tuple]:
    """Change-log rows for many objects, in assets.core.db.bulk_sql.CHANGE_LOG_COLUMNS order, for
    insert_change_entries. `items` yields (object_id, object_repr, organization_id, before, after);
    object_repr is the object itself where the caller has it: a delete entry keeps its version.
    Bulk writers pass JSON-native before/after; `jsonable` serializes them first (dates, decimals)."""
    time = timezone.now() if time is None else time
    user_id = user.pk if getattr(user, "pk", None) else None
    user_name, request_id = getattr(user, "username", "") or "", request_id_var.get()
    if jsonable:
        items = [(object_id, object_repr, organization_id, _jsonable(before), _jsonable(after))
                 for object_id, object_repr, organization_id, before, after in items]
    if action == "delete":
        return [
            (time, user_id, user_name, action, object_type, object_id, str(object_repr)[:255], organization_id,
             before, after, request_id, getattr(object_repr, "version", None))
            for object_id, object_repr, organization_id, before, after in items
        ]
    return [
        (time, user_id, user_name, action, object_type, object_id, str(object_repr)[:255], organization_id,
         before, after, request_id, None)
        for object_id, object_repr, organization_id, before, after in items
    ]


def build_entry(
    user, action: str, instance, *, before=None, after=None, organization_id=None, object_type=None
) -> ChangeLogEntry:
    if organization_id is None:
        organization_id = getattr(instance, "organization_id", None)
    if object_type is None:
        object_type = getattr(type(instance), "change_log_type", "") or type(instance)._meta.model_name
    (row,) = entry_rows(user, action, object_type, [(instance.pk, instance, organization_id, before, after)],
                        jsonable=True)
    return ChangeLogEntry(**{column if column != "user" else "user_id": value
                             for column, value in zip(CHANGE_LOG_COLUMNS, row, strict=True)})


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
