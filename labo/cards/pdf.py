"""A sheet of participation cards as an A4 PDF (fpdf2): 10 cards a page, two
columns of five, each with its one-time code, a QR code of its link (the
code carried in it), what to do, the question in a short sentence and the
closing date as people say it. Cut along the dotted lines.

The font is DejaVu Sans, shipped in labo/cards/fonts (its licence beside
it), so the accents print the same on every machine."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import segno
from fpdf import FPDF
from PIL import Image

from labo.cards.services import CARDS_PER_PAGE, show_code
from labo.core.dates import format_moment
from labo.core.i18n import _
from labo.processes.models import Method, Process

FONTS = Path(__file__).resolve().parent / "fonts"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 10.0
COLUMNS, ROWS = 2, CARDS_PER_PAGE // 2
CARD_W = (PAGE_W - 2 * MARGIN) / COLUMNS
CARD_H = (PAGE_H - 2 * MARGIN) / ROWS
PAD, QR = 4.0, 27.0
QUESTION_MAX = 110  # characters: the question in a short sentence


def short(text: str, limit: int = QUESTION_MAX) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _qr_image(link: str) -> Image.Image:
    """The QR code as an 8-bit grey image (fpdf2 misreads segno's 1-bit PNG)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=6, border=1)
    out.seek(0)
    return Image.open(out).convert("L")


def sheet_pdf(process: Process, codes: list[str], link_for: Callable[[str], str], address: str) -> bytes:
    """The PDF of a sheet: `link_for(code)` is a card's link (its QR code),
    `address` where to type the code by hand (printed on each card)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(_("Cartes de participation : %(title)s", title=process.title))
    pdf.set_creator("Le Labo de la participation")
    pdf.set_lang("fr")
    action = _("Donnez votre avis") if process.method_enum is Method.OPINIONS else _("Votez")
    question = short(process.question)
    until = _("Jusqu'au %(moment)s", moment=format_moment(process.closes_at, ending=True))
    once = _("Sans compte. Une seule fois.")
    by_hand = _("Ou tapez le code sur %(address)s", address=address)
    for index, code in enumerate(codes):
        place = index % CARDS_PER_PAGE
        if place == 0:
            pdf.add_page()
            _cut_lines(pdf)
        x = MARGIN + (place % COLUMNS) * CARD_W
        y = MARGIN + (place // COLUMNS) * CARD_H
        inner = CARD_W - 2 * PAD
        text_w = inner - QR - 3
        pdf.set_text_color(90, 90, 90)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_xy(x + PAD, y + PAD)
        pdf.cell(text_w, 3.5, "Le Labo de la participation")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "B", 9.5)
        pdf.set_xy(x + PAD, y + PAD + 4.5)
        pdf.cell(text_w, 4.5, action + " :")
        pdf.set_font("DejaVu", "", 8.5)
        pdf.set_xy(x + PAD, y + PAD + 9.5)
        pdf.multi_cell(text_w, 3.8, question, max_line_height=3.8, align="L")
        pdf.image(_qr_image(link_for(code)), x=x + CARD_W - PAD - QR, y=y + PAD, w=QR, h=QR)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_xy(x + PAD, y + 31)
        pdf.cell(inner, 3.5, _("Votre code :"))
        pdf.set_font("DejaVu", "B", 16)
        pdf.set_xy(x + PAD, y + 34.5)
        pdf.cell(inner * 0.6, 7, show_code(code))
        pdf.set_font("DejaVu", "", 7)
        pdf.set_xy(x + PAD + inner * 0.5, y + 36.5)
        pdf.cell(inner * 0.5, 4, once, align="R")
        pdf.set_font("DejaVu", "B", 8)
        pdf.set_xy(x + PAD, y + 43)
        pdf.cell(inner, 3.8, until)
        pdf.set_font("DejaVu", "", 7)
        pdf.set_xy(x + PAD, y + 47.5)
        pdf.cell(inner, 3.5, by_hand)
    return bytes(pdf.output())


def _cut_lines(pdf: FPDF) -> None:
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    for c in range(COLUMNS + 1):
        pdf.line(MARGIN + c * CARD_W, MARGIN, MARGIN + c * CARD_W, PAGE_H - MARGIN)
    for r in range(ROWS + 1):
        pdf.line(MARGIN, MARGIN + r * CARD_H, PAGE_W - MARGIN, MARGIN + r * CARD_H)
    pdf.set_dash_pattern()
