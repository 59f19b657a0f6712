"""Export what the asset list shows: its filter and ordering, streamed as CSV, JSON Lines or JSON
in the importer's shape (assets.transfer.assets_io.export_records), so the file re-imports
unchanged. The rows are read one keyset page at a time; nothing holds the whole list."""

from __future__ import annotations

from itertools import islice

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from assets.core.errors import DomainError
from assets.core.inputs import id_from_text
from assets.core.pagination import paginate

from .. import queries
from ..services.assets import visible_assets
from ..transfer.assets_io import export_columns, export_records
from ..transfer.formats import write_records
from .asset_list import _querydict, read_state
from .common import organization_by_id, staff_page

FORMATS = {"csv": ("text/csv", "csv"), "jsonl": ("application/x-ndjson", "jsonl"), "json": ("application/json", "json")}
EXPORT_FORMATS = [("csv", "CSV"), ("jsonl", "JSON Lines"), ("json", "JSON")]
PAGE = 1000
BATCH = 200


class _Lines:
    """A write() target that hands each written piece to the streaming response."""

    def __init__(self):
        self.pieces: list[str] = []

    def write(self, text: str) -> None:
        self.pieces.append(text)

    def take(self) -> str:
        text, self.pieces = "".join(self.pieces), []
        return text


def _pages(queryset, keys):
    cursor = None
    while True:
        page = paginate(queryset, keys, limit=PAGE, cursor=cursor)
        yield page.items
        if not page.has_next_page:
            return
        cursor = page.end_cursor


def _stream(fmt: str, columns: list[str], records):
    """The file in pieces of BATCH records, each written by the importer's own writer."""
    source = iter(records)
    first = True
    while True:
        batch = list(islice(source, BATCH))
        last = len(batch) < BATCH
        buffer = _Lines()
        _write_part(buffer, fmt, batch, columns, first=first, last=last)
        yield buffer.take()
        first = False
        if last:
            return


def _write_part(stream, fmt, batch, columns, *, first: bool, last: bool) -> None:
    """One piece of the file: the CSV header or JSON's '[' with the first batch, ']' with the last."""
    if fmt == "csv":
        part = _Lines()
        write_records(part, "csv", batch, columns)
        text = part.take()
        stream.write(text if first else text.split("\n", 1)[1])
    elif fmt == "jsonl":
        write_records(stream, "jsonl", batch, columns)
    else:
        part = _Lines()
        write_records(part, "json", batch, columns)
        body = part.take().strip()[1:-1].strip("\n")  # the items without the array's brackets
        stream.write("[" if first else "")
        if body:
            stream.write(("\n" if first else ",\n") + body)
        if last:
            stream.write("\n]\n")


@staff_page
def asset_export(request):
    state = read_state(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("format must be csv, jsonl or json")
    if state.organization is None:
        return HttpResponseBadRequest("choose an organization: an export file holds the assets of one organization")
    try:
        queryset = visible_assets(request.user).select_related("type")
        queryset, type_ids = queries.filter_assets(queryset, _querydict(state.filter_params), user=request.user)
        queryset, keys = queries.ordering_for(queryset, state.ordering, type_ids, user=request.user)
    except DomainError as exc:
        return HttpResponseBadRequest(exc.detail)
    columns, field_types = export_columns(state.organization)
    records = export_records(request.user, state.organization, _pages(queryset, keys), field_types)
    content_type, extension = FORMATS[fmt]
    response = StreamingHttpResponse(_stream(fmt, columns, records), content_type=f"{content_type}; charset=utf-8")
    name = f"assets-{state.organization.key}-{timezone.now():%Y%m%d-%H%M%S}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_page
def organization_export(request, kind: str):
    """All of an organization's groups or links the user may see, in the importers' shape (the
    command's export_groups / export_links), streamed like the asset list's export."""
    from groups.transfer import export_groups
    from links.transfer import export_links

    exporters = {"groups": export_groups, "links": export_links}
    fmt = request.GET.get("format", "csv")
    organization = organization_by_id(request, id_from_text(request.GET.get("organization_id")))
    if kind not in exporters or fmt not in FORMATS or organization is None:
        return HttpResponseBadRequest("give groups or links, an organization you can see and csv, jsonl or json")
    columns, records = exporters[kind](request.user, organization)
    content_type, extension = FORMATS[fmt]
    response = StreamingHttpResponse(_stream(fmt, columns, records), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{kind}-{organization.key}-{timezone.now():%Y%m%d-%H%M%S}.{extension}"')
    return response
