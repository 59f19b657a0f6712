"""The group tree browser: an organization's roots, nodes expanding lazily with htmx (a full
page render shows the first level and the path to the selected group without JavaScript), the
selected group's members, and forms that call the services. Domain errors become messages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from assets.core.errors import Conflict, DomainError, ValidationFailed
from assets.core.forms import error_text
from assets.core.inputs import id_from_text
from assets.core.pagination import SortKey, paginate
from assets.models import Asset, Organization
from assets.services.assets import asset_detail_queryset
from assets.views.common import current_organization, organization_by_id, organization_list, post_only

from . import services
from .models import AssetGroup
from .permissions import can_change_groups_of, visible_groups
from .queries import GROUP_ORDER, filed_in, first_children_page, with_counts

LEVEL_CAP = 50
MEMBERS_PER_PAGE = 25
PICKER_LIMIT = 20
MOVE_TARGETS_CAP = 500


@dataclass
class Level:
    """One level of the tree as shown: up to LEVEL_CAP rows and what follows them."""

    rows: list
    more_count: int
    more_partial_url: str | None
    more_page_url: str | None


# A primary key no group has: a URL reversed with it is cut there and formatted for each row.
_URL_SENTINEL = "987654321987"


def _url_of(name: str):
    head, tail = reverse(name, args=[_URL_SENTINEL]).split(_URL_SENTINEL)
    return lambda pk: f"{head}{pk}{tail}"


def _with_urls(rows) -> None:
    """Each row's page and children URLs: one reverse() each for the page, not three a row
    in the template (a quarter of an expansion's time)."""
    page_url, children_url = _url_of("groups:group"), _url_of("groups:children")
    for row in rows:
        row.page_url, row.children_url = page_url(row.pk), children_url(row.pk)


def _level(page, *, shown: int, total: int, partial_url: str, page_url: str) -> Level:
    _with_urls(page.items)
    shown += len(page.items)
    more = max(total - shown, 0) if page.has_next_page else 0
    more_partial = more_page = None
    if more:
        more_partial = _with_query(partial_url, after=page.end_cursor, shown=shown)
        more_page = _with_query(page_url, after=page.end_cursor)
    return Level(page.items, more, more_partial, more_page)


def _with_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _int_param(request, name: str) -> int | None:
    raw = request.GET.get(name) or request.POST.get(name)
    if raw in (None, ""):
        return None
    value = id_from_text(raw)
    if value is None:
        raise Http404(f"{name} is not an id")
    return value


def domain_errors_as_messages(view):
    """Pages answer DomainErrors with a message and a redirect back to the group (or tree)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Conflict as exc:
            messages.error(
                request,
                f"Someone else changed this group meanwhile (now version {exc.current_version}); "
                "this is its current state, try again.",
            )
        except DomainError as exc:
            messages.error(request, error_text(exc))
        return redirect(_back_url(request, kwargs.get("group_id")))

    return wrapper


def _back_url(request, group_id) -> str:
    if group_id is not None and visible_groups(request.user).filter(pk=group_id).exists():
        return reverse("groups:group", args=[group_id])
    organization_id = request.POST.get("organization_id") or request.GET.get("organization")
    if id_from_text(organization_id) is not None:
        return f"{reverse('groups:tree')}?{urlencode({'organization': organization_id})}"
    return reverse("groups:tree")


def _roots_level(user, organization: Organization, after=None, shown=0) -> Level:
    queryset = services.top_groups(user, organization.pk)
    page = paginate(queryset, GROUP_ORDER, limit=LEVEL_CAP, cursor=after, with_count=True)
    page_url = f"{reverse('groups:tree')}?{urlencode({'organization': organization.pk})}"
    partial_url = f"{reverse('groups:roots')}?{urlencode({'organization': organization.pk})}"
    return _level(page, shown=shown, total=page.total_count, partial_url=partial_url, page_url=page_url)


def _children_level(user, group: AssetGroup, after=None, shown=0) -> Level:
    if after:
        page = paginate(services.children_of(user, group), GROUP_ORDER, limit=LEVEL_CAP, cursor=after)
    else:
        page = first_children_page(user, group.pk, limit=LEVEL_CAP)
    return _level(
        page, shown=shown, total=group.children_count,
        partial_url=reverse("groups:children", args=[group.pk]), page_url=reverse("groups:group", args=[group.pk]),
    )


def _members_page(user, group: AssetGroup, after=None):
    queryset = asset_detail_queryset(user).visible_to(user).filter(filed_in([group.pk], include_descendants=False))
    return paginate(queryset, [SortKey("title")], limit=MEMBERS_PER_PAGE, cursor=after)


def _move_targets(user, group: AssetGroup):
    """Groups of the organization the group may move under, in tree order: never itself or its
    subtree."""
    own_subtree = Q(tree_id=group.tree_id, lft__gte=group.lft, lft__lte=group.rght)
    queryset = (
        visible_groups(user, "change")
        .filter(organization_id=group.organization_id)
        .exclude(own_subtree)
        .order_by("tree_id", "lft")
        .only("pk", "title", "level", "tree_id", "lft")
    )
    targets = list(queryset[: MOVE_TARGETS_CAP + 1])
    for target in targets:
        target.label = f"{'— ' * target.level}{target.title}"
    return targets[:MOVE_TARGETS_CAP], len(targets) > MOVE_TARGETS_CAP


def _organization_for(request):
    """?organization=, else the organization picked in the layout's switcher, else the first
    one where the user sees groups."""
    organization_id = _int_param(request, "organization")
    if organization_id is not None:
        organization = organization_by_id(request, organization_id)
        if organization is None:
            raise Http404("organization not found")
        return organization
    current = current_organization(request)
    if current is not None:
        return current
    organizations = organization_list(request)
    with_groups = set(
        visible_groups(request.user)
        .filter(organization_id__in=[o.pk for o in organizations])
        .values_list("organization_id", flat=True)
        .distinct()[:1000]
    )
    return next((o for o in organizations if o.pk in with_groups), organizations[0] if organizations else None)


@login_required
@require_GET
def tree(request):
    """An organization's top level; `after` continues it past the first LEVEL_CAP rows."""
    organization = _organization_for(request)
    context = {"organizations": organization_list(request), "organization": organization, "group": None}
    if organization is not None:
        try:
            context["level"] = _roots_level(request.user, organization, request.GET.get("after"))
        except ValidationFailed:
            raise Http404("bad cursor")
        context["can_manage"] = can_change_groups_of(request.user, organization.pk)
    return render(request, "groups/tree.html", context)


@login_required
@require_GET
def group_page(request, group_id: int):
    """The tree opened down to the group, and the group's panel: members, forms."""
    user = request.user
    try:
        group = services.group_detail(user, group_id)
    except DomainError:
        raise Http404("group not found")
    organization = organization_by_id(request, group.organization_id)
    if organization is None:
        raise Http404("organization not found")
    try:
        own_level = _children_level(user, group, request.GET.get("after"))
        members = _members_page(user, group, request.GET.get("members_after"))
    except ValidationFailed:
        raise Http404("bad cursor")
    # Open every level from the root down to the group; each ancestor is visible (or the group's
    # path would be cut there, and the tree starts at the highest visible one).
    chain = list(
        with_counts(visible_groups(user).filter(tree_id=group.tree_id, lft__lt=group.lft, rght__gt=group.rght), user)
        .order_by("lft")
    )
    level = _roots_level(user, organization)
    _open_path(user, level, [*chain, group], group, own_level)
    can_change = services.may(user, group, "change")
    context = {
        "organizations": organization_list(request),
        "organization": organization,
        "group": group,
        "level": level,
        "members": members,
        "can_change": can_change,
        "can_file": can_change or services.may_file(user, group),
        "can_manage": can_change_groups_of(user, group.organization_id),
        "query": request.GET.get("q", ""),
    }
    if context["query"]:
        context["picker"] = _picker_results(user, group, context["query"])
    if can_change:
        context["move_targets"], context["move_targets_capped"] = _move_targets(user, group)
    return render(request, "groups/tree.html", context)


def _open_path(user, level: Level, chain: list, group: AssetGroup, own_level: Level) -> None:
    """Marks the rows on the way to `group` as open, each with its children level."""
    rows = level
    for node in chain:
        row = next((r for r in rows.rows if r.pk == node.pk), None)
        if row is None:
            # Beyond the first LEVEL_CAP rows of its level: show it after them.
            row = node
            _with_urls([row])
            rows.rows.append(row)
        row.selected = row.pk == group.pk
        row.expanded = own_level if row.pk == group.pk else _children_level(user, row)
        rows = row.expanded


def tree_partial(view):
    """A piece of the tree page that htmx fetches: GET only, signed in, and a group the user
    can't see (or a bad cursor) is a 404 like a missing one."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError:
            raise Http404("group not found")

    return wrapper


@tree_partial
def roots_partial(request):
    """More rows of the top level (the "… and N more" link)."""
    organization = organization_by_id(request, _int_param(request, "organization"))
    if organization is None:
        raise Http404("organization not found")
    level = _roots_level(request.user, organization, request.GET.get("after"), _int_param(request, "shown") or 0)
    return render(request, "groups/partials/level.html", {"level": level})


@tree_partial
def children_partial(request, group_id: int):
    """The rows under a group, for htmx to put into the expanded node."""
    # Only the number of children (the level's total) is needed of the node itself.
    group = services.group_to_expand(request.user, group_id)
    level = _children_level(request.user, group, request.GET.get("after"), _int_param(request, "shown") or 0)
    return render(request, "groups/partials/level.html", {"level": level})


@tree_partial
def members_partial(request, group_id: int):
    group = services.get_group(request.user, group_id)
    members = _members_page(request.user, group, request.GET.get("members_after"))
    can_file = services.may_file(request.user, group)
    return render(request, "groups/partials/members.html", {"group": group, "members": members, "can_file": can_file})


def _picker_results(user, group: AssetGroup, query: str):
    needle = query.strip()
    if not needle:
        return []
    return list(
        Asset.objects.visible_to(user, "change")
        .filter(organization_id=group.organization_id)
        .filter(Q(title__icontains=needle) | Q(key__iexact=needle))
        .exclude(group_memberships__group=group)
        .select_related("type")
        .order_by("title", "pk")[:PICKER_LIMIT]
    )


@login_required
@require_GET
def asset_picker(request, group_id: int):
    """Assets of the group's organization the user may file, matching `q`."""
    try:
        group = services.get_group(request.user, group_id)
    except DomainError:
        raise Http404("group not found")
    query = request.GET.get("q", "")[:100]
    context = {"group": group, "picker": _picker_results(request.user, group, query), "query": query}
    return render(request, "groups/partials/picker.html", context)


def _version(request) -> int | None:
    raw = request.POST.get("version")
    if raw in (None, ""):
        return None
    value = id_from_text(raw)
    if value is None:
        raise ValidationFailed.field("version", "must be a number")
    return value


@login_required
@post_only("groups:tree")
@domain_errors_as_messages
def create(request):
    parent_id = _int_param(request, "parent_id")
    organization_id = _int_param(request, "organization_id")
    if organization_id is None:
        raise ValidationFailed.field("organization_id", "is required")
    group = services.create_group(
        request.user, organization_id=organization_id, title=request.POST.get("title"), parent_id=parent_id,
        exclusive=request.POST.get("exclusive") == "on" if parent_id is None else None,
        description=request.POST.get("description", ""), code=request.POST.get("code", "").strip(),
    )
    messages.success(request, f"Created group '{group.title}'.")
    return redirect("groups:group", group.pk)


@login_required
@post_only("groups:group", "group_id")
@domain_errors_as_messages
def rename(request, group_id: int):
    # A form without the code field (an older page) leaves the code alone.
    code = {"code": request.POST["code"].strip()} if "code" in request.POST else {}
    group = services.update_group(
        request.user, group_id, version=_version(request), title=request.POST.get("title"),
        description=request.POST.get("description", ""), **code,
    )
    messages.success(request, f"Saved group '{group.title}'.")
    return redirect("groups:group", group.pk)


@login_required
@post_only("groups:group", "group_id")
@domain_errors_as_messages
def move(request, group_id: int):
    raw = request.POST.get("parent_id", "")
    parent_id = id_from_text(raw)
    if raw != "" and parent_id is None:
        raise ValidationFailed.field("parent_id", "choose a group")
    group = services.update_group(request.user, group_id, version=_version(request), parent_id=parent_id)
    messages.success(request, f"Moved group '{group.title}'.")
    return redirect("groups:group", group.pk)


@login_required
@post_only("groups:group", "group_id")
@domain_errors_as_messages
def delete(request, group_id: int):
    group = services.get_group(request.user, group_id)
    services.delete_group(
        request.user, group_id, version=_version(request), cascade=request.POST.get("cascade") == "on"
    )
    messages.success(request, f"Deleted group '{group.title}'.")
    if group.parent_id and visible_groups(request.user).filter(pk=group.parent_id).exists():
        return redirect("groups:group", group.parent_id)
    return redirect(f"{reverse('groups:tree')}?{urlencode({'organization': group.organization_id})}")


@login_required
@post_only("groups:group", "group_id")
@domain_errors_as_messages
def add_members(request, group_id: int):
    asset_ids = [id_from_text(value) for value in request.POST.getlist("asset_id")]
    if not asset_ids or None in asset_ids:
        raise ValidationFailed.field("asset_id", "tick at least one asset")
    change = services.add_members(request.user, group_id, asset_ids)
    text = f"Added {len(change.added)} asset{'' if len(change.added) == 1 else 's'}."
    if change.moved_from:
        text += f" {len(change.moved_from)} moved here from another group of this exclusive tree."
    messages.success(request, text)
    return redirect("groups:group", group_id)


@login_required
@post_only("groups:group", "group_id")
@domain_errors_as_messages
def remove_member(request, group_id: int, asset_id: int):
    services.remove_member(request.user, group_id, asset_id)
    messages.success(request, "Removed the asset from the group.")
    return redirect("groups:group", group_id)

