"""Serving asset files to the users who may view the asset, and the file panel's form posts."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from assets.access.tokens import user_for_token
from assets.core.errors import DomainError, Forbidden, NotFound
from assets.services.assets import get_asset, visible_assets
from assets.views.common import post_only

from . import services, storage
from .uploads import as_domain_error, limit_upload_size, max_bytes, uploaded_file

# Types a browser may show in place; everything else is downloaded, never rendered on our origin.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
BODY_ERRORS = (MultiPartParserError, RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent, UnreadablePostError)


def _requester(request):
    """(user or None, whether the request carried an Authorization header)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip(), request) if scheme.lower() == "bearer" else None
        return user, True
    user = request.user
    return (user if user.is_authenticated and user.is_active else None), False


def _problem(request, status: int, code: str, detail: str) -> JsonResponse:
    body = {
        "type": f"about:blank#{code.lower()}", "title": code.replace("_", " ").capitalize(), "status": status,
        "code": code, "detail": detail, "errors": [], "trace_id": getattr(request, "request_id", ""),
    }
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@require_safe
def serve_file(request, asset_id: int, kind: str):
    try:
        user, by_token = _requester(request)
    except Forbidden as refused:  # a token limited to other client addresses
        return _problem(request, 403, "FORBIDDEN", refused.detail)
    if user is None:
        if by_token:
            return _problem(request, 401, "UNAUTHENTICATED", "Send a valid 'Authorization: Bearer <token>'")
        return redirect_to_login(request.get_full_path())
    try:
        record, name, mime_type = services.stored_file(user, asset_id, kind)
    except NotFound:
        if by_token:
            return _problem(request, 404, "NOT_FOUND", "Not found")
        raise Http404("no such file")
    if not name:
        return HttpResponseRedirect(record.remote_url)
    inline = mime_type in INLINE_TYPES
    signed = storage.presigned_url(name, filename=_download_name(record, kind, name), mime_type=mime_type, inline=inline)
    if signed is not None:
        # The object store serves the bytes; the URL expires, so neither side may cache it.
        response = HttpResponseRedirect(signed)
        response["Cache-Control"] = "private, no-store"
        return response
    etag = f"\"{hashlib.sha256(name.encode()).hexdigest()[:32]}\""
    cache_control = "private, max-age=3600" if request.GET.get("v") == services.url_token(record) else "private, no-cache"
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        try:
            handle = storage.open_for_reading(name)
        except (FileNotFoundError, OSError):
            raise Http404("the stored file is missing")
        response = FileResponse(
            handle, content_type=mime_type or "application/octet-stream", as_attachment=not inline,
            filename=_download_name(record, kind, name),
        )
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser renders a file it shouldn't, the file gets no scripts and no origin.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
    return response


def _download_name(record, kind: str, stored_name: str) -> str:
    if kind == "original":
        return record.name or stored_name.rsplit("/", 1)[-1]
    stem = (record.name or "file").rpartition(".")[0] or record.name or "file"
    return f"{stem}-{kind}.{stored_name.rpartition('.')[2]}"


# --- the file panel ------------------------------------------------------------------------------
def panel_context(request, asset, *, next_url: str | None = None) -> dict:
    """Context of files/partials/file_panel.html for an asset the user may view."""
    return {
        "asset": asset,
        "file": services.file_data(services.file_of(asset)),
        "can_change": services.can_change(request.user, asset),
        "max_bytes": max_bytes(),
        "next": next_url or request.get_full_path(),
        "request": request,
    }


# --- the file panel's forms ---------------------------------------------------------------------
def _next_url(request) -> str:
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


def _respond(request, asset_id: int, *, success: str = "", error: str = "") -> HttpResponse:
    """Full pages get a redirect back with a message; htmx requests get the panel re-rendered."""
    if getattr(request, "htmx", False):
        try:
            asset = get_asset(request.user, asset_id)
        except NotFound:
            raise Http404("no such asset")
        context = panel_context(request, asset, next_url=_next_url(request))
        context.update({"success": success, "error": error})
        return render(request, "files/partials/file_panel.html", context)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return HttpResponseRedirect(_next_url(request))


def _run(request, asset_id: int, action, success: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(_next_url(request))
    try:
        action()
    except NotFound as exc:
        if not visible_assets(request.user).filter(pk=asset_id).exists():
            raise Http404("no such asset")
        return _respond(request, asset_id, error=exc.detail)  # visible, but it has no file
    except DomainError as exc:
        return _respond(request, asset_id, error=exc.detail)
    return _respond(request, asset_id, success=success)


@csrf_exempt  # checked by _upload, once the size limit is in place (the check reads the body)
@post_only("asset_detail", "asset_id")
def upload(request, asset_id: int):
    limit_upload_size(request)
    try:
        return _upload(request, asset_id)
    except BODY_ERRORS as exc:
        return _respond(request, asset_id, error=as_domain_error(exc).detail)


@csrf_protect
def _upload(request, asset_id: int):
    return _run(
        request, asset_id, lambda: services.upload_file(request.user, asset_id, lambda: uploaded_file(request)),
        "File uploaded.",
    )


@post_only("asset_detail", "asset_id")
@csrf_protect
def set_remote(request, asset_id: int):
    url = request.POST.get("remote_url", "")
    if not url.strip():
        return _respond(request, asset_id, error="Enter an http:// or https:// URL.")
    return _run(request, asset_id, lambda: services.set_remote_url(request.user, asset_id, url), "File URL saved.")


@post_only("asset_detail", "asset_id")
@csrf_protect
def delete(request, asset_id: int):
    return _run(request, asset_id, lambda: services.delete_file(request.user, asset_id), "File removed.")
