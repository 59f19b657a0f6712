"""REST /event-rules: parse, call assets.events.services, shape the answer."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from assets.core.api import ERRORS, id_filter, only_params, page_body
from assets.core.pagination import SortKey, paginate
from assets.schemas import PageInfo, Strict

from . import services

router = Router(tags=["events"])


class EventRuleCreate(Strict):
    organization_id: int
    name: str
    object_types: list[str]
    actions: list[str]
    asset_type_codes: list[str] = []
    url: str
    secret: str
    headers: dict[str, str] = {}
    enabled: bool = True


class EventRulePatch(Strict):
    version: int | None = None
    name: str | None = None
    object_types: list[str] | None = None
    actions: list[str] | None = None
    asset_type_codes: list[str] | None = None
    url: str | None = None
    secret: str | None = None
    headers: dict[str, str] | None = None
    enabled: bool | None = None


class EventRuleOut(Schema):
    id: int
    organization_id: int
    name: str
    object_types: list[str]
    actions: list[str]
    asset_type_codes: list[str]
    url: str
    headers: dict[str, str]
    enabled: bool
    version: int


class EventRulePage(Schema):
    items: list[EventRuleOut]
    page_info: PageInfo
    total_count: int | None = None


class DeliveryOut(Schema):
    id: int
    event: str
    object_type: str
    object_id: int
    status: str
    attempts: int
    response_status: int | None
    duration_ms: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    page_info: PageInfo
    total_count: int | None = None


def rule_data(rule) -> dict:
    """The secret is write-only: it never leaves the server after it is set."""
    return {
        "id": rule.pk, "organization_id": rule.organization_id, "name": rule.name,
        "object_types": rule.object_types, "actions": rule.actions, "asset_type_codes": rule.asset_type_codes,
        "url": rule.url, "headers": rule.headers, "enabled": rule.enabled, "version": rule.version,
    }


def delivery_data(delivery) -> dict:
    return {
        "id": delivery.pk, "event": delivery.change.action, "object_type": delivery.change.object_type,
        "object_id": delivery.change.object_id, "status": delivery.status, "attempts": delivery.attempts,
        "response_status": delivery.response_status, "duration_ms": delivery.duration_ms,
        "last_error": delivery.last_error, "created_at": delivery.created_at, "delivered_at": delivery.delivered_at,
    }



@router.get("", response={200: EventRulePage, **ERRORS}, exclude_unset=True)
def list_rules(request, organization_id: int | None = None, limit: int | None = None, cursor: str | None = None,
               count: bool = False):
    only_params(request, "organization_id")
    queryset = services.manageable_rules(request.auth)
    if organization_id is not None:
        queryset = queryset.filter(organization_id=id_filter(organization_id, "organization_id"))
    page = paginate(queryset, [SortKey("name")], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, rule_data)


@router.post("", response={201: EventRuleOut, **ERRORS})
def create_rule(request, payload: EventRuleCreate):
    return Status(201, rule_data(services.create_rule(request.auth, **payload.model_dump())))


@router.get("/{rule_id}", response={200: EventRuleOut, **ERRORS})
def get_rule(request, rule_id: int):
    return rule_data(services.get_rule(request.auth, rule_id))


@router.patch("/{rule_id}", response={200: EventRuleOut, **ERRORS})
def update_rule(request, rule_id: int, payload: EventRulePatch):
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    return rule_data(services.update_rule(request.auth, rule_id, version=version, **changes))


@router.delete("/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: int, version: int | None = None):
    services.delete_rule(request.auth, rule_id, version=version)
    return Status(204, None)


@router.get("/{rule_id}/deliveries", response={200: DeliveryPage, **ERRORS}, exclude_unset=True)
def list_deliveries(request, rule_id: int, limit: int | None = None, cursor: str | None = None,
                    count: bool = False):
    only_params(request)
    page = paginate(services.deliveries(request.auth, rule_id), [SortKey("id", descending=True)],
                    limit=limit, cursor=cursor, with_count=count)
    return page_body(page, delivery_data)


@router.post("/{rule_id}/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut, **ERRORS})
def redeliver(request, rule_id: int, delivery_id: int):
    return Status(202, delivery_data(services.redeliver(request.auth, rule_id, delivery_id)))
