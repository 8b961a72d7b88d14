"""Serving a file kept under MEDIA_ROOT (exports, import reports) to someone already authorised."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404


def media_download(relative: str, filename: str | None = None) -> FileResponse:
    """An attachment response for `relative` under MEDIA_ROOT; 404 if it escapes or is gone."""
    media = Path(settings.MEDIA_ROOT).resolve()
    path = (media / relative).resolve()
    if not relative or media not in path.parents or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename or path.name)
