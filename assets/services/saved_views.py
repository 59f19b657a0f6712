"""Saved views of the asset list and each user's custom-field columns per type.

A view is private to its owner or shared with an organization: it is visible to whoever can see
that organization (the organization filter is SQL) and to nobody else, so a view id anyone else
asks for is simply not found. Applying a view only supplies query parameters: the assets still
come through the viewer's own permission filter."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q

from assets.core.errors import Duplicate, Forbidden, NotFound, ValidationFailed
from assets.core.inputs import id_from_text, is_id, require_user

from ..field_types import kind_of
from ..models import AssetType, ColumnChoice, SavedView
from .organizations import get_organization, visible_organizations

MAX_NAME = 100
MAX_COLUMNS = 50
# What a view keeps of GET /assets: its filters and ordering, not the page it was on.
DROPPED = {"cursor", "limit", "count", "fields", "view", "columns"}
# Parameters of GET /assets that are the endpoint's own arguments, not filters.
FIXED_OF_PAGE = ("ordering", "limit", "cursor", "count", "fields")


def visible_views(user):
    require_user(user)
    return SavedView.objects.filter(Q(owner=user) | Q(organization__in=visible_organizations(user)))


def get_view(user, view_id) -> SavedView:
    view_id = view_id if is_id(view_id) else id_from_text(view_id)
    if view_id is None:
        raise NotFound(f"view {view_id} does not exist")
    view = visible_views(user).filter(pk=view_id).first()
    if view is None:
        raise NotFound(f"view {view_id} does not exist")
    return view


def clean_query(user, query: dict) -> dict:
    """Only the list's own parameters, checked by the list's own filter and ordering rules."""
    from ..queries import filter_assets, ordering_for
    from .assets import visible_assets

    if not isinstance(query, dict):
        raise ValidationFailed.field("query", "must be an object of parameters")
    cleaned = {}
    for name, values in query.items():
        if name in DROPPED:
            continue
        values = values if isinstance(values, list) else [values]
        if not all(isinstance(value, str | int) for value in values):
            raise ValidationFailed.field(f"query.{name}", "values must be strings")
        values = [str(value) for value in values if str(value) != ""]
        if values:
            cleaned[name] = values
    ordering = (cleaned.pop("ordering", None) or [None])[0]
    try:
        queryset, type_ids = filter_assets(visible_assets(user), cleaned, user=user)
        ordering_for(queryset, ordering, type_ids, user=user)
    except ValidationFailed as exc:
        # The list's own refusal, said of the view's query: the client sent these as `query`.
        errors = [{**error, "field": f"query.{error.get('field') or ''}".rstrip(".")} for error in exc.errors or []]
        raise ValidationFailed(exc.detail, errors=errors or [{"field": "query", "message": exc.detail}])
    if ordering:
        cleaned["ordering"] = [ordering]
    return cleaned


def _columns(user, query: dict, columns) -> list[str] | None:
    if columns is None:
        return None
    if not isinstance(columns, list) or not all(isinstance(code, str) for code in columns):
        raise ValidationFailed.field("columns", "must be a list of custom-field codes")
    if len(columns) > MAX_COLUMNS:
        raise ValidationFailed.field("columns", f"at most {MAX_COLUMNS}")
    type_ids = query.get("type_id") or []
    if len(type_ids) == 1:
        asset_type = _visible_type(user, type_ids[0])
        known = {d.code for d in asset_type.field_definitions.all()}
        unknown = [code for code in columns if code not in known]
        if unknown:
            raise ValidationFailed.field("columns", f"not fields of {asset_type.code}: {', '.join(unknown)}")
    return list(dict.fromkeys(columns))


def save_view(user, *, name, query, columns=None, organization_id=None) -> SavedView:
    require_user(user)
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed.field("name", "must not be empty")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise ValidationFailed.field("name", f"at most {MAX_NAME} characters")
    organization = None
    if organization_id not in (None, ""):
        if not is_id(organization_id):
            raise ValidationFailed.field("organization_id", "must be an organization id")
        organization = get_organization(user, int(organization_id))
    cleaned = clean_query(user, query)
    chosen = _columns(user, cleaned, columns)
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=user, organization=organization, name=name, query=cleaned,
                                            columns=chosen)
    except IntegrityError:
        raise Duplicate(f"you already have a view named {name!r}") from None


def delete_view(user, view_id) -> None:
    view = get_view(user, view_id)
    if view.owner_id != user.pk:
        raise Forbidden("only its owner may delete a view")
    view.delete()


def _visible_type(user, type_id) -> AssetType:
    from .asset_types import visible_types

    type_id = type_id if is_id(type_id) else id_from_text(type_id)
    if type_id is None:
        raise ValidationFailed.field("type_id", "must be a type id")
    queryset, _ = visible_types(user)
    asset_type = queryset.filter(pk=type_id).prefetch_related("field_definitions").first()
    if asset_type is None:
        raise NotFound(f"asset type {type_id} does not exist")
    return asset_type


def chosen_columns(user, asset_type) -> list[str] | None:
    """The codes this user shows for the type, None when they never chose."""
    if asset_type is None or not getattr(user, "is_authenticated", False):
        return None
    choice = ColumnChoice.objects.filter(user=user, asset_type=asset_type).values_list("codes", flat=True).first()
    return choice


def choose_columns(user, type_id, codes) -> list[str]:
    require_user(user)
    asset_type = _visible_type(user, type_id)
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise ValidationFailed.field("columns", "must be a list of custom-field codes")
    shown = [d.code for d in asset_type.field_definitions.all() if kind_of(d.field_type).column]
    unknown = [code for code in codes if code not in shown]
    if unknown:
        raise ValidationFailed.field("columns", f"not columns of {asset_type.code}: {', '.join(unknown)}")
    codes = [code for code in shown if code in codes]
    ColumnChoice.objects.update_or_create(user=user, asset_type=asset_type, defaults={"codes": codes})
    return codes


def apply_view(user, view_id, params, ordering, fields):
    """(params, ordering, fields) of GET /assets with the view under the request's own."""
    from django.http import QueryDict

    view = get_view(user, view_id)
    merged = QueryDict(mutable=True)
    for name, values in view.query.items():
        if name != "ordering":
            merged.setlist(name, values)
    for name in params:
        if name != "view":
            merged.setlist(name, params.getlist(name))
    for name in FIXED_OF_PAGE:
        merged.pop(name, None)
    if ordering is None:
        ordering = (view.query.get("ordering") or [None])[0]
    if fields is None and view.columns is not None:
        fields = ",".join(view.columns) or ","
    return merged, ordering, fields
