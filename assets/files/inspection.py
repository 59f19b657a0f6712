"""What an uploaded file is, judged by its content (never by the client's name or Content-Type),
what a DAM user wants to know about it, and the thumbnail and preview of images.

Pure functions over a seekable file: no database, no storage."""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import numbers
import re
import struct
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from assets.core.errors import ValidationFailed

logger = logging.getLogger(__name__)

HEAD_BYTES = 8192
THUMBNAIL_BOUND = 256
PREVIEW_BOUND = 1280
# JSON bigger than this is still accepted as text, just not parsed to tell JSON from plain text.
JSON_PARSE_LIMIT = 10 * 1024 * 1024
CSV_SAMPLE_CHARS = 64 * 1024
MAX_DETAIL_TAGS = 300
MAX_TEXT_VALUE = 1000

IMAGE_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
OFFICE_TYPES = {DOCX: "docx", XLSX: "xlsx", PPTX: "pptx", ODT: "odt", ODS: "ods", ODP: "odp"}
BINARY_TYPES = {
    **IMAGE_TYPES,
    "application/pdf": "pdf",
    "video/mp4": "mp4",
    "video/x-m4v": "m4v",
    "video/quicktime": "mov",
    "model/gltf-binary": "glb",
    **OFFICE_TYPES,
}
TEXT_TYPES = {"text/plain": "txt", "text/csv": "csv", "application/json": "json", "model/gltf+json": "gltf"}
EXTENSIONS = {**BINARY_TYPES, **TEXT_TYPES}
# Other spellings of an extension that still match the content (kept in the file's name).
EXTENSION_ALIASES = {"jpg": {"jpeg", "jpe", "jfif"}, "tif": {"tiff"}, "txt": {"text", "log", "md"}}
# filetype names some allowed formats differently.
FILETYPE_ALIASES = {"image/apng": "image/png"}

COLOR_SPACES = {
    "1": "Grayscale", "L": "Grayscale", "LA": "Grayscale", "La": "Grayscale", "I": "Grayscale",
    "I;16": "Grayscale", "I;16B": "Grayscale", "I;16L": "Grayscale", "I;16N": "Grayscale", "F": "Grayscale",
    "RGB": "sRGB", "RGBA": "sRGB", "RGBa": "sRGB", "RGBX": "sRGB", "P": "Indexed", "PA": "Indexed",
    "CMYK": "CMYK", "YCbCr": "YCbCr", "LAB": "Lab", "HSV": "HSV",
}
EXIF_ORIENTATION = 0x0112
ROTATED_ORIENTATIONS = {5, 6, 7, 8}  # 90° turns: width and height swap on display
EXIF_IFD, GPS_IFD = 0x8769, 0x8825


@dataclass
class Rendition:
    content: bytes
    mime_type: str
    extension: str
    width: int
    height: int


@dataclass
class Inspection:
    mime_type: str
    extension: str
    name: str
    size: int
    width: int | None = None
    height: int | None = None
    orientation: str = ""
    color_space: str = ""
    metadata: dict = field(default_factory=dict)


def inspect_upload(upload, client_name: str | None) -> Inspection:
    """Classify `upload` (a seekable Django File) by content; raise ValidationFailed for types
    the repository doesn't take, damaged images and decompression bombs."""
    size = upload.size
    if not size:
        raise ValidationFailed.field("file", "is empty")
    mime_type = classify(upload)
    extension = EXTENSIONS[mime_type]
    name = sanitize_name(client_name, extension)
    inspection = Inspection(mime_type=mime_type, extension=extension, name=name, size=size)
    inspection.metadata = {"file_name": name, "mime_type": mime_type, "file_size": human_size(size)}
    if mime_type in IMAGE_TYPES:
        _inspect_image(upload, inspection)
    upload.seek(0)
    return inspection


# --- classification -----------------------------------------------------------------------------
def classify(upload) -> str:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if head[:4] == b"glTF":
        return "model/gltf-binary"
    try:
        guessed = filetype.guess(head)
    except Exception:
        guessed = None  # a matcher choking on odd bytes is no match; the text check decides
    if guessed is not None:
        mime_type = FILETYPE_ALIASES.get(guessed.mime, guessed.mime)
        if mime_type == "application/zip":
            mime_type = _office_type_of_zip(upload) or mime_type
        if mime_type in BINARY_TYPES:
            return mime_type
        raise ValidationFailed.field("file", f"files of type {mime_type} are not accepted")
    return _text_type(upload)


def _office_type_of_zip(upload) -> str | None:
    """filetype only recognises Office files whose parts come in the usual order; the zip's
    directory says for sure. Only names and the tiny ODF `mimetype` member are read, so a zip
    bomb is never inflated."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in (ODT, ODS, ODP):
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, mime_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
                    if any(n.startswith(prefix) for n in names):
                        return mime_type
    except Exception:
        # Any archive the zip module can't read is not an Office document.
        return None
    finally:
        upload.seek(0)
    return None


def _text_type(upload) -> str:
    """UTF-8 text without NUL bytes: JSON (glTF when it declares an `asset`), CSV or plain text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    sample: list[str] = []
    sampled = 0
    whole: list[str] | None = [] if upload.size <= JSON_PARSE_LIMIT else None
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                raise ValidationFailed.field("file", "binary files of this kind are not accepted")
            text = decoder.decode(chunk)
            if sampled < CSV_SAMPLE_CHARS:
                sample.append(text)
                sampled += len(text)
            if whole is not None:
                whole.append(text)
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValidationFailed.field("file", "is neither an accepted binary format nor UTF-8 text")
    finally:
        upload.seek(0)
    if whole is not None:
        whole.append(tail)
        document = "".join(whole).lstrip("\ufeff")
        if document.lstrip()[:1] in ("{", "["):
            try:
                parsed = json.loads(document)
            except (ValueError, RecursionError):  # deeply nested arrays are still text
                parsed = None
            else:
                asset_info = parsed.get("asset") if isinstance(parsed, dict) else None
                if isinstance(asset_info, dict) and "version" in asset_info:
                    return "model/gltf+json"
                return "application/json"
    return "text/csv" if _looks_like_csv("".join(sample)[:CSV_SAMPLE_CHARS]) else "text/plain"


def _looks_like_csv(sample: str) -> bool:
    lines = sample.lstrip("\ufeff").splitlines()
    if len(sample) >= CSV_SAMPLE_CHARS:
        lines = lines[:-1]  # the sample may cut the last line short
    lines = [line for line in lines if line.strip()][:50]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
        rows = list(csv.reader(lines, dialect))
    except csv.Error:
        return False
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() >= 2


# --- names --------------------------------------------------------------------------------------
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def sanitize_name(client_name: str | None, extension: str) -> str:
    """The client's base name without path parts or control characters, with an extension that
    matches the content (a PNG sent as `x.pdf` is kept as `x.png`)."""
    raw = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    raw = unicodedata.normalize("NFC", raw)
    raw = _UNSAFE_NAME_CHARS.sub("_", raw)
    raw = " ".join(raw.split()).strip(". ")
    stem, dot, given_ext = raw.rpartition(".")
    if not dot:
        stem, given_ext = raw, ""
    given_ext = given_ext.lower()
    if given_ext == extension or given_ext in EXTENSION_ALIASES.get(extension, ()):
        extension = given_ext
    stem = stem.strip(". ")[:200] or "file"
    return f"{stem}.{extension}"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{size} B"


# --- images -------------------------------------------------------------------------------------
def max_image_pixels() -> int:
    return int(getattr(settings, "ASSET_IMAGE_MAX_PIXELS", None) or Image.MAX_IMAGE_PIXELS or 89_478_485)


def max_decode_bytes() -> int:
    return int(settings.ASSET_IMAGE_MAX_DECODE_BYTES)


# Bytes Pillow holds per pixel of a decoded image, by mode (RGB is stored in 32 bits); modes not
# listed count as the widest.
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 4, "PA": 4, "La": 4, "I;16": 2, "I;16B": 2, "I;16L": 2}


def decoded_bytes(image: Image.Image) -> int:
    """What decoding `image` at its (possibly draft-reduced) size takes: the upload's memory
    bound is checked against it before a pixel is decoded."""
    width, height = image.size
    return width * height * BYTES_PER_PIXEL.get(image.mode, 4)


def _check_size(image: Image.Image) -> None:
    """The pixel limit, from the header alone (before a single pixel is decoded)."""
    raw_width, raw_height = image.size
    limit = max_image_pixels()
    if raw_width * raw_height > limit:
        raise ValidationFailed.field("file", f"image of {raw_width}x{raw_height} pixels exceeds the limit of {limit} pixels")


def _decode(image: Image.Image) -> None:
    """Decode within the memory bound; JPEG at a reduced scale that still covers the preview."""
    raw_width, raw_height = image.size
    if image.format == "JPEG":
        image.draft(None, (PREVIEW_BOUND, PREVIEW_BOUND))
    needed, bound = decoded_bytes(image), max_decode_bytes()
    if needed > bound:
        raise ValidationFailed.field(
            "file", f"image of {raw_width}x{raw_height} pixels needs {human_size(needed)} to decode, "
            f"more than the limit of {human_size(bound)}",
        )
    image.load()


@contextmanager
def _opened_image(upload):
    """Image.open reads only the header; Pillow itself refuses more than twice its
    MAX_IMAGE_PIXELS (DecompressionBombError), _check_size enforces the real limit. Whatever
    Pillow raises on hostile input becomes a 400 on `file`."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            _check_size(image)
            yield image
    except ValidationFailed:
        raise
    except Image.DecompressionBombError:
        raise ValidationFailed.field("file", f"image exceeds the limit of {max_image_pixels()} pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise ValidationFailed.field("file", "is damaged or not a readable image")
    except Exception:
        # Pillow's decoders meet hostile input here; whatever else they raise (IndexError,
        # KeyError, ZeroDivisionError, …) still means the file is no usable image.
        logger.info("image rejected by Pillow", exc_info=True)
        raise ValidationFailed.field("file", "is damaged or not a readable image")
    finally:
        upload.seek(0)


def _inspect_image(upload, inspection: Inspection) -> None:
    """Size, orientation, colour space and tags; the image is decoded once (within the limits) so
    a damaged one is refused now. Its renditions are rendered later by a task (renditions.py)."""
    with _opened_image(upload) as image:
        raw_width, raw_height = image.size
        exif, _ = _read_exif(image)
        rotated = exif.get(EXIF_ORIENTATION, 1) in ROTATED_ORIENTATIONS
        width, height = (raw_height, raw_width) if rotated else (raw_width, raw_height)
        inspection.width, inspection.height = width, height
        inspection.orientation = "square" if width == height else ("portrait" if height > width else "landscape")
        inspection.color_space = COLOR_SPACES.get(image.mode, image.mode)
        detail = _image_detail(image, exif, inspection.mime_type)
        _decode(image)
    inspection.metadata.update(
        {
            "width": inspection.width, "height": inspection.height, "orientation": inspection.orientation,
            "color_space": inspection.color_space, "detail": detail,
        }
    )


def render_renditions(stored) -> dict[str, Rendition]:
    """The thumbnail and preview of a stored image (a seekable file), under the same pixel and
    memory limits as the upload: the stored file is checked again, not trusted. Empty when the
    image's mode can't be shown in a browser."""
    with _opened_image(stored) as image:
        _, exif_readable = _read_exif(image)
        _decode(image)
        return _renditions(image, exif_readable)


def _read_exif(image: Image.Image) -> tuple[Image.Exif, bool]:
    """The image's EXIF, or an empty one when it is malformed: bad EXIF loses its tags (and the
    orientation), not the upload."""
    try:
        exif = image.getexif()
        dict(exif.items())
        return exif, True
    except Exception:
        return Image.Exif(), False


def _renditions(image: Image.Image, exif_readable: bool) -> dict[str, Rendition]:
    upright = ImageOps.exif_transpose(image) if exif_readable else image
    displayable = _displayable(upright)
    if displayable is None:
        return {}
    preview = displayable.copy()
    preview.thumbnail((PREVIEW_BOUND, PREVIEW_BOUND), Image.Resampling.LANCZOS)
    thumbnail = preview.copy()
    thumbnail.thumbnail((THUMBNAIL_BOUND, THUMBNAIL_BOUND), Image.Resampling.LANCZOS)
    return {"preview": _encode(preview), "thumbnail": _encode(thumbnail)}


def _displayable(image: Image.Image) -> Image.Image | None:
    """The image in a mode a browser shows: RGBA (kept as PNG) when it has transparency, else RGB
    or L (JPEG). None when Pillow can't convert its mode (the file is still kept, unpreviewed)."""
    mode = image.mode
    try:
        if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
            return image.convert("RGBA")
        if mode in ("RGB", "L"):
            return image
        if mode.startswith("I;16") or mode in ("I", "F"):
            # 16-bit and float grey: scale to 8 bits instead of clipping to white.
            return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        if mode == "1":
            return image.convert("L")
        return image.convert("RGB")
    except (ValueError, OSError):
        return None


def _encode(image: Image.Image) -> Rendition:
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        mime_type, extension = "image/png", "png"
    else:
        image.save(buffer, "JPEG", quality=85, optimize=True)
        mime_type, extension = "image/jpeg", "jpg"
    return Rendition(buffer.getvalue(), mime_type, extension, image.width, image.height)


def _image_detail(image: Image.Image, exif: Image.Exif, mime_type: str) -> dict:
    """Readable tag names -> JSON-safe values, in the spirit of exiftool's output that Quable
    shows in its `metadata.detail`."""
    width, height = image.size
    detail: dict = {
        "FileType": image.format or "",
        "FileTypeExtension": EXTENSIONS.get(mime_type, ""),
        "MIMEType": mime_type,
        "ImageWidth": width,
        "ImageHeight": height,
        "ImageSize": f"{width}x{height}",
        "Megapixels": round(width * height / 1_000_000, 1),
        "ColorComponents": len(image.getbands()),
        "ColorMode": image.mode,
    }
    info = image.info
    if "jfif_version" in info:
        detail["JFIFVersion"] = ".".join(f"{part:02d}" if i else str(part) for i, part in enumerate(info["jfif_version"]))
    if "dpi" in info:
        x_dpi, y_dpi = (info["dpi"] + (None, None))[:2]
        detail["XResolution"], detail["YResolution"] = _json_safe(x_dpi), _json_safe(y_dpi)
    if info.get("progressive") or info.get("progression"):
        detail["EncodingProcess"] = "Progressive DCT, Huffman coding"
    if "icc_profile" in info and info["icc_profile"]:
        detail["ICCProfile"] = _json_safe(bytes(info["icc_profile"]))
    if getattr(image, "n_frames", 1) > 1:
        detail["FrameCount"] = image.n_frames
    for key, value in info.items():
        # PNG text chunks (Software, Description, …) arrive as plain strings.
        if isinstance(key, str) and isinstance(value, str) and key not in detail and len(detail) < MAX_DETAIL_TAGS:
            detail[_clean_text(key)[:100]] = _json_safe(value)
    _add_exif(detail, exif.items(), ExifTags.TAGS)
    try:
        _add_exif(detail, exif.get_ifd(EXIF_IFD).items(), ExifTags.TAGS)
        _add_exif(detail, exif.get_ifd(GPS_IFD).items(), ExifTags.GPSTAGS)
    except Exception:
        # A malformed sub-IFD loses its tags, not the upload.
        logger.info("unreadable EXIF sub-IFD", exc_info=True)
    return detail


def _add_exif(detail: dict, items, names: dict) -> None:
    for tag, value in items:
        if tag in (EXIF_IFD, GPS_IFD) or len(detail) >= MAX_DETAIL_TAGS:
            continue
        name = names.get(tag, f"Tag0x{tag:04X}") if isinstance(tag, int) else _clean_text(str(tag))[:100]
        detail[name] = _json_safe(value)


def _clean_text(value: str) -> str:
    # PostgreSQL's jsonb refuses NUL characters and lone surrogates.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _json_safe(value, depth: int = 0):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value, 6) if value == value and abs(value) != float("inf") else None
    if isinstance(value, numbers.Rational) or type(value).__name__ == "IFDRational":
        try:
            as_float = float(value)
        except (ZeroDivisionError, ValueError, TypeError):
            return None
        if as_float != as_float or abs(as_float) == float("inf"):
            return None
        return int(as_float) if as_float.is_integer() else round(as_float, 6)
    if isinstance(value, str):
        return _clean_text(value).strip()[:MAX_TEXT_VALUE]
    if isinstance(value, bytes | bytearray):
        stripped = bytes(value).rstrip(b"\x00")
        if len(stripped) <= 64 and stripped and all(32 <= b < 127 for b in stripped):
            return stripped.decode("ascii")
        return f"(Binary data {len(value)} bytes)"
    if isinstance(value, tuple | list):
        if depth >= 3 or len(value) > 64:
            return f"({len(value)} values)"
        return [_json_safe(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if depth >= 3:
            return f"({len(value)} values)"
        return {_clean_text(str(k))[:100]: _json_safe(v, depth + 1) for k, v in list(value.items())[:64]}
    return _clean_text(str(value))[:MAX_TEXT_VALUE]
