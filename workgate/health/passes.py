"""The personal pass as a picture: the pass code's QR drawn server-side as inline SVG.

Drawn on the server with segno (pure Python) so the page needs no script, no image request and
no third-party service: the code never leaves the page that shows it.
"""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_matrix(code: str) -> tuple[tuple[int, ...], ...]:
    """The QR symbol's modules (1 = dark), without the quiet zone."""
    return tuple(tuple(row) for row in _symbol(code).matrix)


def _symbol(code: str) -> segno.QRCode:
    # Level M at least; segno raises it while the version stays the same. A 12-character code
    # fits version 1 (21 × 21 modules): big modules that any phone camera reads from a screen.
    return segno.make_qr(code, error="m", boost_error=True)


def qr_svg(code: str, *, title: str = "") -> SafeString:
    """Inline SVG markup of the code's QR, scaled by CSS (viewBox, no fixed size), black on
    white with the four-module quiet zone scanners need."""
    if not (code.isascii() and code.isalnum()):
        raise ValueError("a pass code is ASCII letters and digits")
    svg = _symbol(code).svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        title=title or None,
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - built by segno from a checked code


def code_groups(code: str, size: int = 4) -> list[str]:
    """ "7K3M9P2QX4RT" → ["7K3M", "9P2Q", "X4RT"]: easy to read out or type."""
    return [code[i : i + size] for i in range(0, len(code), size)]
