"""The asset list: filters (organization, type, group, title, the type's custom fields) that
live in the URL, sortable columns and keyset pages. htmx swaps only the results; when the
organization or type changes, the inputs that depend on them come along out of band."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.db.models import Prefetch
from django.http import QueryDict
from django.urls import reverse
from django_htmx.http import push_url

from assets import extensions
from assets.access.permissions import can_create_assets
from assets.core.inputs import id_from_text
from assets.core.pagination import capped_count, paginate
from groups.queries import group_filter_choices

from .. import queries
from ..field_types import FilterInput, kind_of
from ..models import AssetDeviceLink, AssetType
from ..serializers import asset_data
from ..services.asset_types import visible_types, with_definitions
from ..services.assets import visible_assets
from . import saved_views
from .common import (
    SESSION_ORGANIZATION,
    organization_list,
    page_or_error,
    page_organization,
    render_list_page,
    staff_page,
)
from .presenters import asset_field_values, referenced_asset_ids, referenced_assets

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
FIXED_ORDERINGS = ("title", "key", "type", "organization", "created_at", "updated_at", *queries.SUBQUERY_ORDERINGS)
# Past this many matches the total reads "more than 10,000": counting a huge table exactly on
# every page turn costs more than the number tells.
COUNT_CAP = 10_000


@dataclass
class FieldFilter:
    code: str
    title: str
    field_type: str
    inputs: list[FilterInput]


def field_filter(definition) -> FieldFilter:
    """The inputs one custom field gets, named with the API's cf_<code>[__<op>] parameters."""
    inputs = kind_of(definition.field_type).filter_inputs(definition, f"cf_{definition.code}")
    return FieldFilter(definition.code, definition.title, definition.field_type, inputs)


@dataclass
class Column:
    label: str
    ordering: str | None = None  # the ordering value this header sorts by
    code: str | None = None
    aria_sort: str | None = None  # ascending | descending on the column the list is sorted by
    query: str = ""  # the list's query string sorted by this column (toggling direction)


@dataclass
class ListState:
    """Everything the request asked for, validated; `params` is the canonical query string."""

    organizations: list
    organization: object = None
    types: list = field(default_factory=list)
    asset_type: AssetType | None = None
    definitions: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    group_id: int | None = None
    include_descendants: bool = False
    search: str = ""  # title or key contains
    request_id: str = ""  # the assets one import or bulk action wrote (its change-log entries)
    field_filters: list[FieldFilter] = field(default_factory=list)
    ordering: str = "title"
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str = ""
    before: str = ""
    at: str = ""  # the position of the page's first row, for "51–100 of N"
    params: QueryDict = field(default_factory=lambda: QueryDict(mutable=True))
    filter_params: dict = field(default_factory=dict)
    column_codes: list[str] | None = None  # the custom fields the user shows (saved_views), None = all

    @property
    def is_filtered(self) -> bool:
        return bool(self.asset_type or self.group_id or self.search or self.request_id or self.active_field_filters)

    @property
    def active_field_filters(self) -> list[str]:
        return [i.name for f in self.field_filters for i in f.inputs if i.value]


def _type_label(asset_type, organization) -> str:
    if organization is None and asset_type.organization is not None:
        return f"{asset_type.title} — {asset_type.organization.title}"
    return asset_type.title


def read_state(request) -> ListState:
    get = request.GET
    organization, explicit = page_organization(request)
    state = ListState(organizations=organization_list(request), organization=organization)
    if organization is not None:
        types_qs = AssetType.objects.available_to(organization)
    else:
        types_qs, _ = visible_types(request.user)
    types_qs = with_definitions(types_qs.select_related("organization")).order_by("order", "title", "id")
    state.types = [(t, _type_label(t, organization)) for t in types_qs] if state.organizations else []
    type_id = id_from_text(get.get("type_id"))
    state.asset_type = next((t for t, _ in state.types if t.pk == type_id), None)
    if state.asset_type is not None:
        state.definitions = list(state.asset_type.field_definitions.all())
        state.column_codes = saved_views.column_codes(request, state.asset_type)
    state.groups = group_filter_choices(request.user, organization, id_from_text(get.get("group_id")))
    state.group_id = next((gid for gid, _ in state.groups if gid == id_from_text(get.get("group_id"))), None)
    state.include_descendants = state.group_id is not None and get.get("include_descendants") in ("true", "on", "1")
    # `title_contains` is what the box was called before it searched keys too (old bookmarks).
    state.search = (get.get("q") or get.get("title_contains") or "").strip()[:200]
    request_id = (get.get("request_id") or "").strip()
    state.request_id = request_id if request_id.isalnum() and len(request_id) <= queries.MAX_REQUEST_ID_LENGTH else ""
    state.field_filters = [field_filter(d) for d in state.definitions]
    for group in state.field_filters:
        for item in group.inputs:
            item.value = (get.get(item.name) or "").strip()[:200]
            if item.kind == "select" and item.value not in {code for code, _ in item.choices}:
                item.value = ""
    sortable = {f"cf_{d.code}" for d in state.definitions if kind_of(d.field_type).sortable}
    ordering = get.get("ordering") or "title"
    state.ordering = ordering if ordering.lstrip("-") in (*FIXED_ORDERINGS, *sortable) else "title"
    limit = id_from_text(get.get("limit"))
    state.limit = limit if limit in PAGE_SIZES else DEFAULT_PAGE_SIZE
    state.cursor = (get.get("cursor") or "").strip()[:2000]
    state.before = "" if state.cursor else (get.get("before") or "").strip()[:2000]
    state.at = (get.get("at") or "").strip()[:12]

    # Canonical parameters, in the order the form shows them; only what was understood.
    params = QueryDict(mutable=True)
    filters: dict[str, list[str]] = {}
    if explicit or organization is not None:
        params["organization_id"] = str(organization.pk) if organization is not None else ""
    if organization is not None:
        filters["organization_id"] = [str(organization.pk)]
    if state.asset_type is not None:
        params["type_id"] = str(state.asset_type.pk)
        filters["type_id"] = [params["type_id"]]
    if state.group_id is not None:
        params["group_id"] = str(state.group_id)
        filters["group_id"] = [params["group_id"]]
        if state.include_descendants:
            params["include_descendants"] = "true"
            filters["include_descendants"] = ["true"]
    if state.search:
        params["q"] = state.search
    if state.request_id:
        params["request_id"] = state.request_id
        filters["request_id"] = [state.request_id]
    for group in state.field_filters:
        for item in group.inputs:
            if item.value:
                params[item.name] = item.value
                filters[item.name] = [item.value]
    if state.ordering != "title":
        params["ordering"] = state.ordering
    if state.limit != DEFAULT_PAGE_SIZE:
        params["limit"] = str(state.limit)
    state.params = params
    state.filter_params = filters
    return state


def columns_for(state: ListState) -> list[Column]:
    columns = [Column("Title", "title"), Column("Key", "key")]
    if state.asset_type is None:
        columns.append(Column("Type", "type"))
    if state.organization is None:
        columns.append(Column("Organization", "organization"))
    for d in state.definitions:
        kind = kind_of(d.field_type)
        if kind.column and (state.column_codes is None or d.code in state.column_codes):
            columns.append(Column(d.title, f"cf_{d.code}" if kind.sortable else None, d.code))
    columns += [Column("Primary device", "primary_device"), Column("Created", "created_at")]
    for column in columns:
        if column.ordering is None:
            continue
        if state.ordering == column.ordering:
            column.aria_sort, wanted = "ascending", f"-{column.ordering}"
        elif state.ordering == f"-{column.ordering}":
            column.aria_sort, wanted = "descending", column.ordering
        else:
            wanted = column.ordering
        params = state.params.copy()
        if wanted == "title":
            params.pop("ordering", None)
        else:
            params["ordering"] = wanted
        column.query = params.urlencode()
    return columns


def _scope_of_url(request, url: str | None) -> tuple[str | None, str | None] | None:
    """(organization_id, type_id) the page the browser shows was filtered by."""
    if not url:
        return None
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    if "organization_id" in query:
        org = query["organization_id"][0] or None
    else:
        org = request.session.get("current_organization_id")
        org = str(org) if org else None
    return org, (query.get("type_id") or [None])[0] or None


def _results(request, state: ListState):
    def build():
        queryset = visible_assets(request.user).select_related("type", "organization")
        queryset, type_ids = queries.filter_assets(queryset, _querydict(state.filter_params), user=request.user)
        if state.search:
            queryset = queries.title_or_key_contains(queryset, state.search)
        counted = capped_count(queryset, COUNT_CAP)
        queryset, keys = queries.ordering_for(queryset, state.ordering, type_ids, user=request.user)
        queryset = queryset.prefetch_related(
            Prefetch("device_links", queryset=AssetDeviceLink.objects.select_related("device").order_by("field_code"))
        )
        # What other apps add to an asset (its file for thumbnails, its groups) rides along here.
        queryset = extensions.prefetch_assets(queryset, request.user)
        page = paginate(queryset, keys, limit=state.limit, cursor=state.cursor or None, before=state.before or None)
        page.extra["count"] = counted
        return page

    rows = []
    page, error = page_or_error(build)
    if page is not None:
        shown_defs = [d for d in state.definitions if kind_of(d.field_type).column
                      and (state.column_codes is None or d.code in state.column_codes)]
        assets_by_id = referenced_assets(request.user, referenced_asset_ids(page.items, shown_defs))
        for asset in page.items:
            links = list(asset.device_links.all())
            shape = asset_data(asset)
            rows.append({
                "asset": asset,
                "shape": shape,
                "file": shape.get("file"),
                "values": asset_field_values(asset, shown_defs, assets_by_id),
                "primary": next((link.device for link in links if link.is_primary), None),
            })
    return rows, page, error


def _pager(state: ListState, page) -> dict | None:
    """"1–50 of N" and the Previous/Next queries. The position comes from the cursor's offset
    carried in the URL (`at`), so a keyset page still knows which rows it shows."""
    if page is None or not page.items:
        return None
    count, exact = page.extra["count"]
    start = max(1, id_from_text(state.at) or 1) if (state.cursor or state.before) else 1
    end = start + len(page.items) - 1
    if end > count and exact:  # rows were added or removed since the link was made
        start, end = max(1, count - len(page.items) + 1), count
    pager = {"start": start, "end": end, "count": count, "exact": exact}
    if page.has_next_page:
        params = state.params.copy()
        params["cursor"], params["at"] = page.end_cursor, str(end + 1)
        pager["next"] = params.urlencode()
    if page.has_previous_page:
        params = state.params.copy()
        params["before"], params["at"] = page.start_cursor, str(max(1, start - state.limit))
        pager["previous"] = params.urlencode()
    return pager


def _querydict(filters: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in filters.items():
        query.setlist(name, values)
    return query


def _follow_the_filter(request, state: ListState) -> bool:
    """An organization chosen in the list's filter becomes the switcher's too (the header and
    the dashboard follow it); True when that changed the switcher."""
    if "organization_id" not in request.GET:
        return False
    chosen = state.organization.pk if state.organization is not None else None
    if request.session.get(SESSION_ORGANIZATION) == chosen:
        return False
    if chosen is None:
        request.session.pop(SESSION_ORGANIZATION, None)
    else:
        request.session[SESSION_ORGANIZATION] = chosen
    return True


@staff_page
def asset_list(request):
    state = read_state(request)
    # What the browser showed, read before the filter moves the switcher (an unfiltered URL
    # means the switcher's organization).
    previous = _scope_of_url(request, request.htmx.current_url if request.htmx else None)
    switched = _follow_the_filter(request, state)
    rows, page, error = _results(request, state)
    context = {
        "section": "assets",
        "state": state,
        "columns": columns_for(state),
        "page_sizes": PAGE_SIZES,
        "can_create": bool(state.organizations) and any(can_create_assets(request.user, o.pk) for o in state.organizations),
        "rows": rows,
        "pager": _pager(state, page),
        "switcher_changed": switched,
        "saved_views": saved_views.panel(request, state),
    }
    new_scope = (str(state.organization.pk) if state.organization else None,
                 str(state.asset_type.pk) if state.asset_type else None)
    context["oob_scope"] = previous is None or previous[0] != new_scope[0]
    context["oob_fields"] = context["oob_scope"] or previous[1] != new_scope[1]
    response = render_list_page(request, "assets/asset_list.html", "assets/partials/asset_results.html", context,
                                page=page, error=error, params=state.params, error_key="filter_error")
    if request.htmx:
        shown = state.params.copy()
        if state.cursor:
            shown["cursor"] = state.cursor
        elif state.before:
            shown["before"] = state.before
        if (state.cursor or state.before) and state.at:
            shown["at"] = state.at
        query = shown.urlencode()
        push_url(response, f"{reverse('asset_list')}?{query}" if query else reverse("asset_list"))
    return response
