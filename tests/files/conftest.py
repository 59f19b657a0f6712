"""Fixtures for asset files: a throw-away MEDIA_ROOT, an asset to attach files to, and files made
on the spot with Pillow."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import ApiClient
from tests.factories import grant, make_asset, make_user

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate_tasks(request, settings):
    """Renditions are rendered by a task; here it runs as the upload commits, so the tests of what
    they look like needn't run a worker. Tests marked `with_worker` keep the database queue and
    drain it with the real worker (test_renditions.py)."""
    if not request.node.get_closest_marker("with_worker"):
        settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root) -> list[str]:
    """Every file under MEDIA_ROOT, relative, sorted."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


@pytest.fixture
def asset(org, truck_type):
    return make_asset(org, truck_type, "Truck 1", key="truck-1", custom_fields={"license_plate": "B-TL 1"})


@pytest.fixture
def editor(org):
    user = make_user("editor")
    grant(user, "change_org_assets", org)
    return user


@pytest.fixture
def editor_api(editor):
    return ApiClient(editor)


def upload(api: ApiClient, asset_id: int, content: bytes, name: str = "file.bin", query: str = "", **extra):
    """POST /assets/{id}/file as multipart, the way curl --form does it."""
    file = SimpleUploadedFile(name, content, content_type=extra.pop("content_type", "application/octet-stream"))
    return api.client.post(
        f"/api/v1/assets/{asset_id}/file{query}", {"file": file}, **api.headers, **extra
    )


def jpeg_bytes(width: int, height: int, *, orientation: int | None = None, mode: str = "RGB", exif_extra=None,
               quality: int = 90) -> bytes:
    image = Image.new(mode, (width, height), (200, 30, 30) if mode == "RGB" else 0)
    if mode == "RGB":
        # A marker in the top-left corner shows which way the renditions were turned.
        image.paste((0, 0, 255), (0, 0, max(1, width // 4), max(1, height // 4)))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "Acme Cameras"  # Make
    exif[0x0110] = "Shirt-O-Matic 3000"  # Model
    for tag, value in (exif_extra or {}).items():
        exif[tag] = value
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=quality)
    return buffer.getvalue()


def png_bytes(width: int, height: int, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height without carrying the pixels (decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("docProps/app.xml", "<Properties/>")
        archive.writestr("docProps/core.xml", "<coreProperties/>")
        archive.writestr("customXml/item1.xml", "<x/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def image_size(path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def pytest_configure(config):
    config.addinivalue_line("markers", "with_worker: run tasks on the database queue with the real worker")
