"""REST endpoints of an asset's file: upload (multipart), point at a remote URL, read, remove."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Status

from assets import serializers
from assets.core.errors import ValidationFailed
from assets.schemas import AssetFileOut, AssetOut, Problem

from . import services
from .schemas import RemoteFileIn
from .uploads import as_domain_error, limit_upload_size, uploaded_file

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}

# The body is read by the endpoint itself (after the permission check, with a size limit), so
# ninja has no parameter to derive its OpenAPI description from.
MULTIPART_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}

router = Router(tags=["asset files"])


@router.get("/assets/{asset_id}/file", response={200: AssetFileOut, **ERRORS})
def get_asset_file(request, asset_id: int):
    return services.file_data(services.get_file(request.auth, asset_id))


@router.post(
    "/assets/{asset_id}/file", response={200: AssetOut, **ERRORS, 413: Problem}, openapi_extra=MULTIPART_FILE_BODY
)
def upload_asset_file(request, asset_id: int, version: int | None = None):
    """Upload (or replace) the asset's file: multipart/form-data with one field `file`.
    Images get width, height, orientation, EXIF metadata, a thumbnail and a preview."""

    def read_upload():
        limit_upload_size(request)
        return uploaded_file(request)

    asset = services.upload_file(request.auth, asset_id, read_upload, version=version)
    return serializers.asset_data(asset)


@router.put("/assets/{asset_id}/file", response={200: AssetOut, **ERRORS})
def set_remote_asset_file(request, asset_id: int, payload: RemoteFileIn):
    """Point the asset's file at an http(s) URL elsewhere (stored, never fetched)."""
    if not payload.remote_url.strip():
        raise ValidationFailed.field("remote_url", "must not be empty (DELETE the file to remove it)")
    asset = services.set_remote_url(request.auth, asset_id, payload.remote_url, version=payload.version)
    return serializers.asset_data(asset)


@router.delete("/assets/{asset_id}/file", response={204: None, **ERRORS})
def delete_asset_file(request, asset_id: int, version: int | None = None):
    services.delete_file(request.auth, asset_id, version=version)
    return Status(204, None)


def register(api) -> None:
    api.add_router("", router)

    # A body that can't be parsed (a session-authenticated request parses it during the CSRF
    # check, before any endpoint runs) is the client's fault: 400, or 413 when it is too big.
    def on_body_error(request, exc):
        return api.on_exception(request, as_domain_error(exc))

    for error in (MultiPartParserError, RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent, UnreadablePostError):
        api.add_exception_handler(error, on_body_error)
