"""Reading multipart uploads without letting an oversized body fill the disk first.

Django streams file parts to memory or a temp file with no size limit of its own
(DATA_UPLOAD_MAX_MEMORY_SIZE counts only the non-file fields), so the limit is enforced while the
body is parsed: a handler placed before Django's own ones stops at ASSET_FILE_MAX_BYTES."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError

from assets.core.errors import PayloadTooLarge, ValidationFailed

# Room for the multipart boundaries, part headers and a CSRF token around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def max_bytes() -> int:
    return int(settings.ASSET_FILE_MAX_BYTES)


class FileTooLarge(MultiPartParserError):
    """Raised mid-parse; a MultiPartParserError so Django marks the request body as spent."""


def too_large() -> PayloadTooLarge:
    limit = max_bytes()
    return PayloadTooLarge(
        f"files may be at most {limit} bytes", errors=[{"field": "file", "message": f"exceeds {limit} bytes"}]
    )


class SizeLimitHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > max_bytes() + MULTIPART_OVERHEAD:
            raise FileTooLarge("request body too large")
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            raise FileTooLarge("file too large")
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload_size(request) -> None:
    """Install the size limit; must run before anything reads request.POST or request.FILES."""
    if not hasattr(request, "_files"):
        request.upload_handlers.insert(0, SizeLimitHandler(request))


def uploaded_file(request, field_name: str = "file"):
    """The uploaded file of a multipart request, with parse failures as domain errors."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith("multipart/form-data"):
        raise ValidationFailed.field(field_name, "send multipart/form-data with the file in a field named 'file'")
    try:
        files = request.FILES
    except Exception as exc:
        raise as_domain_error(exc)
    uploads = files.getlist(field_name)
    if not uploads:
        raise ValidationFailed.field(field_name, "is required (multipart field 'file')")
    if len(uploads) > 1:
        raise ValidationFailed.field(field_name, "send exactly one file")
    return uploads[0]


def as_domain_error(exc: Exception) -> Exception:
    """Body-parsing failures mean a bad request (or a too large one), never a server error."""
    if isinstance(exc, FileTooLarge):
        return too_large()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge("the request body is too large")
    if isinstance(exc, MultiPartParserError | TooManyFilesSent | TooManyFieldsSent | UnreadablePostError):
        return ValidationFailed(f"malformed request body: {exc}")
    return exc
