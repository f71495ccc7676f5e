"""QR codes to one of the site's own addresses, drawn as inline SVG (no
image request, nothing from elsewhere), for the flyers, the projector and
the printed letter."""
from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(link: str, title: str, *, scale: int = 4, sized: bool = True) -> Markup:
    """An SVG QR code for `link` with its `title` read by screen readers.
    `sized=False` leaves only the viewBox, for a page that draws it at the
    size it needs (the projector: large, then as a strip). Only the site's
    own URLs come here: no markup a user typed."""
    qr = segno.make(link, error="m")
    return Markup(qr.svg_inline(scale=scale, border=2, omitsize=not sized, title=title))
