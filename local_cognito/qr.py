"""QR codes for the MFA setup page: an ``otpauth://`` URI as inline SVG.

segno (pure Python, no dependencies) builds the matrix; the page embeds the SVG inline
because its Content-Security-Policy loads nothing (``default-src 'none'``).
"""

from __future__ import annotations

import segno


def svg(data: str, scale: int = 4) -> str:
    """An ``<svg>`` element (no XML declaration) drawing ``data`` as a QR code."""
    code = segno.make(data, error="m", micro=False)
    return str(code.svg_inline(scale=scale, border=4, dark="#16191f", light="#ffffff", title=None))
