"""Uploading an asset's file: what is recorded, which types are taken (by content), limits."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.test import override_settings
from PIL import Image

from assets.files.models import AssetFile
from assets.models import Asset, ChangeLogEntry

from .conftest import (
    docx_bytes,
    image_size,
    jpeg_bytes,
    plain_zip_bytes,
    png_bytes,
    png_header_only,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


def test_rotated_jpeg_records_size_after_exif_orientation_and_upright_renditions(admin_api, asset, media_root):
    # Stored 3000x1500 (landscape) with orientation 6: the camera was held upright, so it shows
    # as a 1500x3000 portrait.
    content = jpeg_bytes(3000, 1500, orientation=6)
    response = upload(admin_api, asset.pk, content, "shirt.jpg")
    assert response.status_code == 200, response.content
    body = response.json()
    file = body["file"]
    assert file["mime_type"] == "image/jpeg"
    assert file["name"] == "shirt.jpg"
    assert file["size"] == len(content)
    assert (file["width"], file["height"], file["orientation"]) == (1500, 3000, "portrait")
    assert file["remote_url"] is None
    assert file["url"].startswith(f"/files/assets/{asset.pk}/original/")
    assert file["thumbnail_url"].startswith(f"/files/assets/{asset.pk}/thumbnail/")
    assert file["preview_url"].startswith(f"/files/assets/{asset.pk}/preview/")
    metadata = file["metadata"]
    assert metadata["color_space"] == "sRGB"
    assert metadata["orientation"] == "portrait"
    assert metadata["file_name"] == "shirt.jpg"
    assert metadata["mime_type"] == "image/jpeg"
    assert (metadata["width"], metadata["height"]) == (1500, 3000)
    detail = metadata["detail"]
    assert detail["Orientation"] == 6
    assert detail["Make"] == "Acme Cameras"
    assert detail["Model"] == "Shirt-O-Matic 3000"
    assert detail["ImageSize"] == "3000x1500"
    assert detail["MIMEType"] == "image/jpeg"
    assert body["version"] == 2

    record = AssetFile.objects.get(asset=asset)
    assert record.storage_name.startswith(f"assets/{asset.pk}/")
    assert record.storage_name.endswith("/original.jpg")
    thumbnail = media_root / record.thumbnail_name
    preview = media_root / record.preview_name
    assert image_size(preview) == (640, 1280)  # bounded by 1280, upright
    assert image_size(thumbnail) == (128, 256)  # bounded by 256, upright
    with Image.open(preview) as image:
        assert image.format == "JPEG"
        # The blue marker was top-left of the stored image; turned by 90° it is top-right.
        red, green, blue = image.convert("RGB").getpixel((image.width - 5, 5))
        assert blue > 200 and red < 60
    assert len(stored_files(media_root)) == 3


def test_png_with_transparency_keeps_png_renditions(admin_api, asset, media_root):
    response = upload(admin_api, asset.pk, png_bytes(300, 300), "logo.png")
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert (file["mime_type"], file["width"], file["height"], file["orientation"]) == ("image/png", 300, 300, "square")
    assert file["metadata"]["color_space"] == "sRGB"
    record = AssetFile.objects.get(asset=asset)
    assert record.thumbnail_mime_type == "image/png" and record.thumbnail_name.endswith("thumbnail.png")
    assert image_size(media_root / record.thumbnail_name) == (256, 256)
    assert image_size(media_root / record.preview_name) == (300, 300)  # never enlarged


def test_landscape_png_without_alpha_gets_jpeg_renditions(admin_api, asset, media_root):
    response = upload(admin_api, asset.pk, png_bytes(2000, 1000, mode="RGB"), "panorama.png")
    file = response.json()["file"]
    assert (file["width"], file["height"], file["orientation"]) == (2000, 1000, "landscape")
    record = AssetFile.objects.get(asset=asset)
    assert record.preview_mime_type == "image/jpeg"
    assert image_size(media_root / record.preview_name) == (1280, 640)
    assert image_size(media_root / record.thumbnail_name) == (256, 128)


@pytest.mark.parametrize(
    ("mode", "color_space"), [("CMYK", "CMYK"), ("L", "Grayscale")],
)
def test_color_space_is_named_after_the_image_mode(admin_api, asset, mode, color_space):
    response = upload(admin_api, asset.pk, jpeg_bytes(40, 30, mode=mode), "print.jpg")
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert file["metadata"]["color_space"] == color_space
    assert file["thumbnail_url"] is not None


@pytest.mark.parametrize(
    ("make", "name", "mime_type", "extension"),
    [
        (lambda: png_bytes(10, 20), "report.pdf", "image/png", "png"),
        (lambda: jpeg_bytes(10, 10), "photo.jpeg", "image/jpeg", "jpeg"),
        (lambda: b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "scan.png", "application/pdf", "pdf"),
        (lambda: b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64, "clip.mp4", "video/mp4", "mp4"),
        (lambda: b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64, "clip.mov", "video/quicktime", "mov"),
        (lambda: b"glTF\x02\x00\x00\x00" + b"\x00" * 64, "model.bin", "model/gltf-binary", "glb"),
        (docx_bytes, "contract.zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        (lambda: b"plate;brand;year\nB-TL 1;MAN;2019\nB-TL 2;Volvo;2021\n", "fleet.txt", "text/csv", "csv"),
        (lambda: b'{"trucks": [1, 2, 3]}', "fleet.csv", "application/json", "json"),
        (lambda: b'{"asset": {"version": "2.0"}, "scenes": []}', "model.json", "model/gltf+json", "gltf"),
        (lambda: "Grüße aus Hamburg\n".encode(), "notes", "text/plain", "txt"),
    ],
)
def test_type_is_judged_by_content_not_by_name(admin_api, asset, make, name, mime_type, extension):
    response = upload(admin_api, asset.pk, make(), name, content_type="application/x-whatever")
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert file["mime_type"] == mime_type
    assert file["name"].endswith("." + extension)
    assert AssetFile.objects.get(asset=asset).storage_name.endswith(f"/original.{EXTENSIONS_STORED[extension]}")


EXTENSIONS_STORED = {"jpeg": "jpg", "png": "png", "pdf": "pdf", "mp4": "mp4", "mov": "mov", "glb": "glb",
                     "docx": "docx", "csv": "csv", "json": "json", "gltf": "gltf", "txt": "txt"}


def test_disguised_png_keeps_its_stem_but_gets_the_right_extension(admin_api, asset):
    file = upload(admin_api, asset.pk, png_bytes(8, 8), "../../etc/Quarterly report.pdf").json()["file"]
    assert file["name"] == "Quarterly report.png"
    assert file["mime_type"] == "image/png"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 4, "holiday.jpg"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "photo.png"),
        (bytes(range(256)) * 8, "data.txt"),
        (b"hello\x00world", "notes.txt"),
        (b"\xff\xfe\xfa broken utf-8 \xc3\x28", "notes.txt"),
        (plain_zip_bytes(), "archive.docx"),
        (b"", "empty.txt"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 20, "cut.jpg"),
    ],
    ids=["exe-named-jpg", "elf-named-png", "binary", "nul-in-text", "bad-utf8", "plain-zip", "empty", "damaged-jpeg"],
)
def test_files_of_other_kinds_are_rejected_and_nothing_is_stored(admin_api, asset, media_root, content, name):
    response = upload(admin_api, asset.pk, content, name, content_type="image/jpeg")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["errors"][0]["field"] == "file"
    assert stored_files(media_root) == []
    assert not AssetFile.objects.filter(asset=asset).exists()
    asset.refresh_from_db()
    assert asset.version == 1


def test_truncated_jpeg_is_rejected_as_damaged(admin_api, asset, media_root):
    content = jpeg_bytes(400, 300)
    response = upload(admin_api, asset.pk, content[: len(content) // 2], "half.jpg")
    assert response.status_code == 400
    assert "damaged" in response.json()["detail"]
    assert stored_files(media_root) == []


def test_decompression_bomb_is_a_400(admin_api, asset, media_root):
    response = upload(admin_api, asset.pk, png_header_only(60000, 60000), "bomb.png")
    assert response.status_code == 400, response.content
    assert "pixels" in response.json()["detail"]
    assert stored_files(media_root) == []


def real_png_bomb(width: int, height: int) -> bytes:
    """A valid PNG of width x height black RGB pixels: a few hundred KiB that decode to gigabytes
    (the finding's 9400 x 9400 PNG of 336 KiB). After a full flush deflate starts afresh, so the
    compressed form of a block of 100 rows is made once and repeated; the trailer's checksum
    covers all the rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    assert height % 100 == 0
    block = b"\x00" * (1 + 3 * width) * 100
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(height // 100):
        checksum = zlib.adler32(block, checksum)
    end = compressor.flush(zlib.Z_FINISH)[:-4] + struct.pack(">I", checksum)
    data = first + repeated * (height // 100 - 1) + end
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def png_bomb():
    return real_png_bomb(9400, 9400)


def test_the_9400_pixel_square_png_is_refused_from_its_header(admin_api, asset, media_root, png_bomb):
    """Finding #7: under Pillow's own limit (89.5 MP) this 88 MP PNG was decoded: 6 s, 1.8 GiB."""
    assert len(png_bomb) < 400 * 1024
    response = upload(admin_api, asset.pk, png_bomb, "bomb.png")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "file" and "exceeds the limit of 40000000 pixels" in error["message"]
    assert stored_files(media_root) == []
    asset.refresh_from_db()
    assert asset.version == 1


@override_settings(ASSET_IMAGE_MAX_DECODE_BYTES=30_000)
def test_images_that_would_take_more_memory_than_the_bound_are_refused(admin_api, asset, media_root):
    # 100 x 100 pixels: grey (1 byte a pixel) fits, RGBA (4 bytes) doesn't.
    assert upload(admin_api, asset.pk, png_bytes(100, 100, "L"), "grey.png").status_code == 200
    response = upload(admin_api, asset.pk, png_bytes(100, 100, "RGBA"), "colour.png")
    assert response.status_code == 400, response.content
    assert "to decode" in response.json()["detail"]


@override_settings(ASSET_IMAGE_MAX_PIXELS=10_000)
def test_images_beyond_the_configured_pixel_limit_are_rejected(admin_api, asset, media_root):
    assert upload(admin_api, asset.pk, png_bytes(99, 100), "ok.png").status_code == 200
    response = upload(admin_api, asset.pk, png_bytes(101, 100), "big.png")
    assert response.status_code == 400
    assert "10000 pixels" in response.json()["detail"]


@override_settings(ASSET_FILE_MAX_BYTES=1000)
@pytest.mark.parametrize("size", [1001, 5000, 200_000], ids=["just-over", "over", "far-over"])
def test_oversized_upload_gets_413_and_stores_nothing(admin_api, asset, media_root, size):
    response = upload(admin_api, asset.pk, b"a," * (size // 2) + b"b" * (size % 2), "big.csv")
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(media_root) == []
    asset.refresh_from_db()
    assert asset.version == 1


@override_settings(ASSET_FILE_MAX_BYTES=1000)
def test_oversized_upload_over_the_browser_session_gets_413(client, superuser, asset, media_root):
    # A session-authenticated request has its body parsed by the CSRF check, before the endpoint.
    client.force_login(superuser)
    response = client.post(f"/api/v1/assets/{asset.pk}/file", {"file": io.BytesIO(b"x" * 300_000)})
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(media_root) == []


@override_settings(ASSET_FILE_MAX_BYTES=1000, DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_too_many_files_in_a_session_request_is_a_400(client, superuser, asset):
    client.force_login(superuser)
    files = [io.BytesIO(b"x") for _ in range(3)]
    response = client.post(f"/api/v1/assets/{asset.pk}/file", {"file": files})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


@override_settings(ASSET_FILE_MAX_BYTES=8 * 1024 * 1024)
def test_upload_beyond_djangos_in_memory_limits_is_accepted(admin_api, asset, media_root):
    # 3 MB is more than DATA_UPLOAD_MAX_MEMORY_SIZE and FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB each).
    content = b"plate,km\n" + b"B-TL 1,12345\n" * (3 * 1024 * 1024 // 13)
    response = upload(admin_api, asset.pk, content, "log.csv")
    assert response.status_code == 200, response.content
    assert response.json()["file"]["size"] == len(content)
    assert response.json()["file"]["mime_type"] == "text/csv"


def test_upload_needs_a_multipart_body_with_one_file(admin_api, asset):
    response = admin_api.post(f"/assets/{asset.pk}/file", {"file": "not a file"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    response = admin_api.client.post(f"/api/v1/assets/{asset.pk}/file", {"other": "x"}, **admin_api.headers)
    assert response.status_code == 400
    assert "required" in response.json()["detail"]
    files = [io.BytesIO(b"a"), io.BytesIO(b"b")]
    response = admin_api.client.post(f"/api/v1/assets/{asset.pk}/file", {"file": files}, **admin_api.headers)
    assert response.status_code == 400
    assert "exactly one" in response.json()["detail"]


def test_malformed_multipart_body_is_a_400(admin_api, asset):
    response = admin_api.client.post(
        f"/api/v1/assets/{asset.pk}/file", b"--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n",
        content_type="multipart/form-data; boundary=", **admin_api.headers,
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_upload_with_stale_version_is_a_conflict_and_stores_nothing(admin_api, asset, media_root):
    response = upload(admin_api, asset.pk, png_bytes(4, 4), "a.png", query="?version=7")
    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
    assert stored_files(media_root) == []
    assert upload(admin_api, asset.pk, png_bytes(4, 4), "a.png", query="?version=1").status_code == 200


def test_upload_is_change_logged_on_the_asset(admin_api, asset):
    upload(admin_api, asset.pk, png_bytes(4, 4), "logo.png")
    entry = ChangeLogEntry.objects.filter(object_type="asset", object_id=asset.pk).latest("id")
    assert entry.action == "update"
    assert entry.before == {"file": None}
    assert entry.after["file"]["name"] == "logo.png"
    assert entry.after["file"]["mime_type"] == "image/png"


def test_exif_details_are_json_safe(admin_api, asset):
    content = jpeg_bytes(
        20, 10,
        exif_extra={
            0x010E: "Blue shirt\x00 on a hanger",  # ImageDescription with a NUL, which jsonb refuses
            0x927C: bytes(range(256)) * 2,  # MakerNote: binary
            0x011A: 72.0,  # XResolution
        },
    )
    response = upload(admin_api, asset.pk, content, "shirt.jpg")
    assert response.status_code == 200, response.content
    detail = response.json()["file"]["metadata"]["detail"]
    assert detail["ImageDescription"] == "Blue shirt on a hanger"
    assert detail["MakerNote"] == "(Binary data 512 bytes)"
    assert detail["XResolution"] == 72
    record = AssetFile.objects.get(asset=asset)
    assert record.metadata["detail"]["MakerNote"] == "(Binary data 512 bytes)"


def test_non_image_files_get_mime_type_and_size_only(admin_api, asset):
    content = b"%PDF-1.7\n" + b"0" * 100
    file = upload(admin_api, asset.pk, content, "manual.pdf").json()["file"]
    assert file["mime_type"] == "application/pdf"
    assert file["size"] == len(content)
    assert file["width"] is None and file["height"] is None and file["orientation"] is None
    assert file["thumbnail_url"] is None and file["preview_url"] is None
    assert file["metadata"] == {"file_name": "manual.pdf", "mime_type": "application/pdf", "file_size": "109 B"}


def test_get_asset_file_endpoint(admin_api, asset):
    assert admin_api.get(f"/assets/{asset.pk}/file").status_code == 404
    upload(admin_api, asset.pk, png_bytes(4, 4), "logo.png")
    response = admin_api.get(f"/assets/{asset.pk}/file")
    assert response.status_code == 200
    assert response.json()["mime_type"] == "image/png"
    assert admin_api.get(f"/assets/{asset.pk}")["Content-Type"] == "application/json; charset=utf-8"
    assert admin_api.get(f"/assets/{asset.pk}").json()["file"]["name"] == "logo.png"


def test_asset_without_file_has_file_null(admin_api, asset):
    assert admin_api.get(f"/assets/{asset.pk}").json()["file"] is None
    assert Asset.objects.count() == 1


def test_deeply_nested_json_is_kept_as_text(admin_api, asset):
    content = b"[" * 100_000 + b"]" * 100_000
    response = upload(admin_api, asset.pk, content, "deep.json")
    assert response.status_code == 200, response.content
    assert response.json()["file"]["mime_type"] == "text/plain"


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow reports the EXIF it skips
def test_jpeg_with_malformed_exif_is_kept_without_its_tags(admin_api, asset):
    clean = jpeg_bytes(40, 20)
    garbage_exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff" + bytes(range(40))
    segment = b"\xff\xe1" + (len(garbage_exif) + 2).to_bytes(2, "big") + garbage_exif
    content = clean[:2] + segment + clean[2:]
    response = upload(admin_api, asset.pk, content, "odd.jpg")
    assert response.status_code == 200, response.content
    file = response.json()["file"]
    assert (file["width"], file["height"]) == (40, 20)
    assert file["thumbnail_url"] is not None


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow reports the damage it skips
@pytest.mark.parametrize("kind", ["jpeg", "png", "gif", "tiff", "webp"])
def test_corrupted_images_are_accepted_or_rejected_never_a_server_error(admin_api, asset, kind):
    import random

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, kind.upper())
    original = buffer.getvalue()
    rng = random.Random(f"{kind}-corruption")
    for _ in range(25):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            position = rng.randrange(min(len(damaged), 400))
            damaged[position] = rng.randrange(256)
        if rng.random() < 0.3:
            damaged = damaged[: rng.randrange(16, len(damaged))]
        response = upload(admin_api, asset.pk, bytes(damaged), f"damaged.{kind}")
        assert response.status_code in (200, 400), (response.status_code, response.content)
