"""Event rules: only manage_org holders of the rule's organization see and change them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.access.permissions import can_manage_org, snapshot
from assets.core.errors import Forbidden, NotFound, ValidationFailed
from assets.core.inputs import clean_text, require_user
from assets.core.versioning import check_version, delete_versioned, save_versioned
from assets.files.public_urls import check_url
from assets.models import Organization

from .models import ACTIONS, OBJECT_TYPES, Delivery, EventRule

FIELDS = ("name", "object_types", "actions", "asset_type_codes", "url", "secret", "headers", "enabled")


def allow_private_targets() -> bool:
    """EVENTS_ALLOW_PRIVATE_TARGETS: receivers on loopback or the private network (a deployment
    whose integrations live inside it; the tests' local receiver). Off by default: a rule would
    otherwise let an organization manager make the server call its own internal services."""
    return bool(settings.EVENTS_ALLOW_PRIVATE_TARGETS)


def manageable_rules(user):
    """Rules of the organizations the user holds manage_org in (in SQL, one filter)."""
    require_user(user)
    queryset = EventRule.objects.all()
    if user.is_superuser:
        return queryset
    snap = snapshot(user)
    if snap.has_global("assets.manage_org"):
        return queryset
    return queryset.filter(organization_id__in=sorted(o for o, perms in snap.org_perms.items() if "manage_org" in perms))


def get_rule(user, rule_id: int) -> EventRule:
    rule = manageable_rules(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"event rule {rule_id} does not exist")
    return rule


def _choices(field: str, values, allowed) -> list[str]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValidationFailed.field(field, f"a non-empty list of {', '.join(allowed)}")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationFailed.field(field, f"unknown {', '.join(unknown)}; use {', '.join(allowed)}")
    return sorted(set(values), key=allowed.index)


def clean_values(values: dict) -> dict:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = clean_text(cleaned["name"], "name", max_length=255)
    if "object_types" in cleaned:
        cleaned["object_types"] = _choices("object_types", cleaned["object_types"], OBJECT_TYPES)
    if "actions" in cleaned:
        cleaned["actions"] = _choices("actions", cleaned["actions"], ACTIONS)
    if "asset_type_codes" in cleaned:
        codes = cleaned["asset_type_codes"] or []
        if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
            raise ValidationFailed.field("asset_type_codes", "a list of asset type codes")
        cleaned["asset_type_codes"] = sorted(set(codes))
    if "url" in cleaned:
        if not isinstance(cleaned["url"], str):
            raise ValidationFailed.field("url", "an http:// or https:// URL")
        cleaned["url"] = check_url(cleaned["url"], "url", max_length=2000, allow_private=allow_private_targets())
    if "secret" in cleaned and (not isinstance(cleaned["secret"], str) or not 8 <= len(cleaned["secret"]) <= 255):
        raise ValidationFailed.field("secret", "8 to 255 characters")
    if "headers" in cleaned:
        headers = cleaned["headers"] or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and "\n" not in k + v and "\r" not in k + v
            for k, v in headers.items()
        ):
            raise ValidationFailed.field("headers", "an object of header names to string values")
        cleaned["headers"] = headers
    return cleaned


@transaction.atomic
def create_rule(user, *, organization_id: int, **values) -> EventRule:
    require_user(user)
    if not can_manage_org(user, organization_id):
        raise Forbidden("event rules need manage_org on the organization")
    if not Organization.objects.filter(pk=organization_id).exists():
        raise NotFound(f"organization {organization_id} does not exist")
    for required in ("name", "object_types", "actions", "url", "secret"):
        if values.get(required) in (None, "", []):
            raise ValidationFailed.field(required, "required")
    rule = EventRule(organization_id=organization_id, **clean_values({k: v for k, v in values.items() if k in FIELDS}))
    rule.save()
    return rule


@transaction.atomic
def update_rule(user, rule_id: int, *, version=None, **changes) -> EventRule:
    rule = get_rule(user, rule_id)
    check_version(rule, version)
    changes = clean_values({k: v for k, v in changes.items() if k in FIELDS and (v is not None or k == "asset_type_codes")})
    for name, value in changes.items():
        setattr(rule, name, value)
    save_versioned(rule, version, list(changes))
    return rule


@transaction.atomic
def delete_rule(user, rule_id: int, *, version=None) -> None:
    delete_versioned(get_rule(user, rule_id), version)


def deliveries(user, rule_id: int):
    return Delivery.objects.filter(rule=get_rule(user, rule_id)).select_related("change")


@transaction.atomic
def redeliver(user, rule_id: int, delivery_id: int) -> Delivery:
    """Another round of attempts for a delivery, due at once (the worker picks it up)."""
    delivery = deliveries(user, rule_id).select_for_update(of=("self",)).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} does not exist")
    requeue(Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    return delivery


def requeue(deliveries_) -> int:
    """A fresh round of attempts, due now (the worker's relay picks them up)."""
    return deliveries_.update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
