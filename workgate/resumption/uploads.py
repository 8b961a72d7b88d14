"""Photos and documents people upload for resumption: checked for what they really are (not
what their name says), limited in size, and kept under MEDIA_ROOT.

Photos are decoded with Pillow and written again as JPEG no wider or taller than 2,000 pixels:
a phone's 12 MB photo becomes a few hundred KB, and its EXIF data (GPS position included) is
dropped. Documents are recognised by their first bytes: PDF, Word, Excel, OpenDocument.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from workgate.core.services import ServiceError

PHOTO_MAX_SIDE = 2000
PHOTO_QUALITY = 82
Image.MAX_IMAGE_PIXELS = 80_000_000  # a decompression bomb is refused, not decoded

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCUMENT_EXTENSIONS = {"pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "wps", "et"}


@dataclass(frozen=True, slots=True)
class Stored:
    path: str  # relative to MEDIA_ROOT
    original_name: str
    size: int
    kind: str  # photo or document


def _name(upload: IO[bytes]) -> str:
    return Path(getattr(upload, "name", "") or "file").name[:200]


def _read(upload: IO[bytes], max_mb: int, name: str) -> bytes:
    limit = max_mb * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ServiceError(_too_large(name, size, max_mb), field="file", code="too_large")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(_too_large(name, len(data), max_mb), field="file", code="too_large")
    if not data:
        raise ServiceError(_("“%(name)s” is empty.") % {"name": name}, field="file")
    return data


def _too_large(name: str, size: int, max_mb: int) -> str:
    return _("“%(name)s” is %(size)s MB; files up to %(max)s MB are accepted.") % {
        "name": name,
        "size": f"{size / 1024 / 1024:.1f}",
        "max": max_mb,
    }


def _save(folder: str, ext: str, data: bytes) -> str:
    relative = f"resumption/{folder}/{uuid.uuid4().hex}.{ext}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def photo_store(upload: IO[bytes], *, folder: str, max_mb: int) -> Stored:
    """Keep a photo, re-encoded; anything Pillow cannot decode as an image is refused."""
    name = _name(upload)
    data = _read(upload, max_mb, name)
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ServiceError(
            _("“%(name)s” is not a photo: upload a picture (JPEG or PNG) and try again.")
            % {"name": name},
            field="file",
            code="not_image",
        ) from exc
    body = out.getvalue()
    return Stored(_save(folder, "jpg", body), name, len(body), "photo")


def _document_kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "ole"  # .doc, .xls, WPS
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith(("word/", "xl/")) for n in names):
            return "ooxml"
        if "mimetype" in names and "content.xml" in names:
            return "odf"
    return None


def document_store(upload: IO[bytes], *, folder: str, max_mb: int) -> Stored:
    """Keep a document (PDF, Word, Excel, OpenDocument) — or a photo of one."""
    name = _name(upload)
    data = _read(upload, max_mb, name)
    kind = _document_kind(data)
    if kind is None:
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise ServiceError(
                _(
                    "“%(name)s” is not a document we can keep: upload a PDF, Word, Excel or "
                    "OpenDocument file, or a photo of the paper."
                )
                % {"name": name},
                field="file",
                code="bad_format",
            ) from None
        photo = io.BytesIO(data)
        photo.name = name
        return photo_store(photo, folder=folder, max_mb=max_mb)
    ext = Path(name).suffix.lower().lstrip(".")
    if ext not in DOCUMENT_EXTENSIONS:
        ext = {"pdf": "pdf", "ole": "doc", "ooxml": "docx", "odf": "odt"}[kind]
    return Stored(_save(folder, ext, data), name, len(data), "document")


def remove(relative: str) -> None:
    if relative:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)
