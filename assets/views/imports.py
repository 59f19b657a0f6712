"""The Import page: upload a file or paste text, preview the importer's dry run (first rows, every
bad row, totals), confirm to run it as a background task, watch its progress, see the outcome."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from assets.core.changelog import request_id_var
from assets.core.inputs import id_from_text
from assets.tasks import enqueue_with_change

from ..models import ImportJob
from ..transfer import browser_import
from ..transfer.formats import FORMATS
from .common import organization_by_id, organization_list, staff_page

MAX_BYTES = 20 * 1024 * 1024


def _kind(data) -> str:
    kind = data.get("kind") or ImportJob.Kind.ASSETS
    return kind if kind in ImportJob.Kind.values else ImportJob.Kind.ASSETS


def _form(request, *, errors=None, status=200):
    data = request.POST if request.method == "POST" else request.GET
    organization_id = id_from_text(data.get("organization_id")) or request.session.get("current_organization_id")
    kind = _kind(data)
    return render(request, "assets/bulk_import.html", {
        "section": "assets", "organizations": organization_list(request), "formats": FORMATS,
        "organization_id": organization_id, "organization": organization_by_id(request, organization_id),
        "kind": kind, "kind_label": ImportJob.Kind(kind).label, "kinds": ImportJob.Kind.choices,
        "values": data, "errors": errors or {},
    }, status=status)


def _text_of(request, errors: dict) -> tuple[str, str]:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_BYTES:
            errors["file"] = f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB"
            return "", ""
        raw = upload.read()
        name = upload.name
    else:
        raw, name = (request.POST.get("text") or "").encode(), ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors["file"] = "the file is not UTF-8 text"
        return "", ""
    if not text.strip():
        errors["file"] = "upload a file or paste its text"
    return text, name


@staff_page
def asset_import(request):
    if request.method == "GET":
        return _form(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    errors: dict[str, str] = {}
    organizations = {o.pk: o for o in organization_list(request)}
    organization = organizations.get(id_from_text(request.POST.get("organization_id")))
    if organization is None:
        errors["organization_id"] = "choose an organization"
    fmt = request.POST.get("format") or ""
    if fmt and fmt not in FORMATS:
        errors["format"] = "choose CSV, JSON Lines or JSON"
    text, name = _text_of(request, errors)
    if errors:
        return _form(request, errors=errors, status=400)
    job = ImportJob(user=request.user, organization=organization, text=text, kind=_kind(request.POST),
                    file_format=fmt or browser_import.guess_format(name, text),
                    update=request.POST.get("mode") == "upsert", skip_bad_rows=request.POST.get("skip_bad_rows") == "on")
    if len(text.encode()) <= settings.IMPORT_PREVIEW_INLINE_BYTES:
        browser_import.preview(job)
    else:
        with transaction.atomic():
            job.status = ImportJob.Status.CHECKING
            job.save()
            enqueue_with_change(browser_import.run_preview, job.pk)
    return redirect("asset_import_job", job.pk)


def _job(request, job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("organization").filter(pk=job_id, user=request.user).first()
    if job is None:
        raise Http404("no such import")
    return job


@staff_page
def import_job(request, job_id: int):
    job = browser_import.give_up_if_stalled(_job(request, job_id))
    context = {"section": "assets", "job": job}
    if job.status == ImportJob.Status.PREVIEW:
        context["columns"], context["rows"] = browser_import.first_rows(job)
        context["blocked"] = bool(job.error) or (job.failed and not job.skip_bad_rows)
    elif job.kind == ImportJob.Kind.ASSETS and job.written and job.request_id:
        # The list filtered to the assets this import wrote: those its change-log entries name.
        context["list_query"] = urlencode({"organization_id": job.organization_id, "request_id": job.request_id})
    return render(request, "assets/bulk_import_job.html", context)


@staff_page
def import_run(request, job_id: int):
    if request.method != "POST":
        return redirect("asset_import_job", job_id)
    with transaction.atomic():
        job = _job(request, job_id)
        skip = job.skip_bad_rows or request.POST.get("skip_bad_rows") == "on"
        if job.status == ImportJob.Status.PREVIEW and not job.error and (skip or not job.failed):
            job.skip_bad_rows = skip
            job.status, job.request_id = ImportJob.Status.QUEUED, request_id_var.get()
            job.save(update_fields=["status", "request_id", "skip_bad_rows"])
            enqueue_with_change(browser_import.run_import, job.pk)
    return redirect("asset_import_job", job.pk)


@staff_page
def import_status(request, job_id: int):
    """The progress partial htmx polls; once the task ends the browser goes to the preview or
    the result."""
    job = browser_import.give_up_if_stalled(_job(request, job_id))
    if job.status in (ImportJob.Status.PREVIEW, ImportJob.Status.DONE, ImportJob.Status.FAILED) and request.htmx:
        return HttpResponseClientRedirect(reverse("asset_import_job", args=[job.pk]))
    return render(request, "assets/partials/bulk_import_status.html", {"job": job})
