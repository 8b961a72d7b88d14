"""Serving a file kept under MEDIA_ROOT (exports, import reports, photos) to someone already
authorised."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404


def _media_path(relative: str) -> Path:
    """`relative` under MEDIA_ROOT; 404 if it escapes it or is gone."""
    media = Path(settings.MEDIA_ROOT).resolve()
    path = (media / relative).resolve()
    if not relative or media not in path.parents or not path.is_file():
        raise Http404
    return path


def media_download(relative: str, filename: str | None = None) -> FileResponse:
    """An attachment response for `relative` under MEDIA_ROOT; 404 if it escapes or is gone."""
    path = _media_path(relative)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename or path.name)


def media_inline(relative: str, content_type: str = "image/jpeg") -> FileResponse:
    """A stored photo shown in the page (not downloaded), cached by the browser for an hour."""
    response = FileResponse(_media_path(relative).open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
