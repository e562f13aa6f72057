"""PDF rendering with fpdf2 and an embedded CJK font: A4, the agency's name, a seal box.

fpdf2 is pure Python (no system library), lays out the HTML subset our templates use
and embeds a subset of the TrueType font, so the PDF reads the same everywhere. The
font is Debian's ``fonts-wqy-microhei`` (installed by the Dockerfile and ``.ci/run``), or
the file ``GOVFLOW_DOCUMENT_FONT_PATH`` names.
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TextEmphasis
from fpdf.errors import FPDFException

from app.documents.common_font import font_for
from app.errors import ServiceUnavailable

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FAMILY = "cjk"
SEAL_RED = (200, 16, 46)
PLAIN_EMPHASIS = {tag: FontFace(emphasis=TextEmphasis.NONE) for tag in ("b", "strong")}
# fontTools reads the font file lazily and fpdf2 keeps per-document state: one render at
# a time per process keeps both simple (a render takes a fraction of a second).
_RENDER_LOCK = threading.Lock()
# Templates are bounded (``template_limits``), so a render holds the lock for seconds; a
# caller that still waits this long answers 503 rather than queueing every module behind it.
RENDER_WAIT_SECONDS = 60.0


class FontMissing(RuntimeError):
    pass


@cache
def font_path(configured: str | None = None) -> Path:
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "No CJK font for documents: install Debian's fonts-wqy-microhei "
        "or set GOVFLOW_DOCUMENT_FONT_PATH"
    )


@dataclass(frozen=True)
class Page:
    agency: str
    title: str
    number: str
    issued_on: str  # as the document writes it, 2026年12月2日
    issued_at: datetime


# What the page writes besides the document's own text: the footer and the seal box.
DRAWN = "第页共（印章）0123456789"


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, size=9)
        self.cell(0, 10, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")


def _seal(pdf: _Document, page: Page) -> None:
    """The agency's signature block with a placeholder where the seal is pressed."""
    pdf.ln(12)
    pdf.set_font(FAMILY, size=12)
    pdf.cell(0, 8, page.agency, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, page.issued_on, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_text_color(*SEAL_RED)
    x, y = pdf.w - pdf.r_margin - 48, pdf.get_y() - 30
    pdf.ellipse(x, y, 40, 40)
    pdf.set_xy(x, y + 30)
    pdf.set_font(FAMILY, size=10)
    pdf.cell(40, 8, "（印章）", align="C")
    pdf.set_text_color(0, 0, 0)


class LayoutFailed(ValueError):
    """The body's HTML is one fpdf2 cannot lay out (``<h1 align=x>``, a missing image)."""


def render_pdf(page: Page, body_html: str, font: str | None = None) -> bytes:
    if not _RENDER_LOCK.acquire(timeout=RENDER_WAIT_SECONDS):
        raise ServiceUnavailable("The document renderer is busy: retry shortly")
    try:
        return _render(page, body_html, font)
    except (ValueError, OSError, FPDFException) as error:
        raise LayoutFailed(str(error)) from None
    finally:
        _RENDER_LOCK.release()


def _render(page: Page, body_html: str, font: str | None) -> bytes:
    pdf = _Document(format="A4")
    try:
        return _lay_out(pdf, page, body_html, font)
    finally:
        # fontTools keeps the font file open (lazy reading): close it with the document,
        # not whenever the garbage collector comes by.
        for loaded in pdf.fonts.values():
            ttfont = getattr(loaded, "ttfont", None)
            if ttfont is not None:
                ttfont.close()


def _lay_out(pdf: _Document, page: Page, body_html: str, font: str | None) -> bytes:
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, margin=22)
    # One face only: parsing a CJK font is most of a render's cost, so <b> and
    # <strong> keep the regular face (PLAIN_EMPHASIS) instead of loading a bold one,
    # and the face is the font's GB 2312 subset whenever that draws the whole text.
    text = "".join((page.agency, page.title, page.number, page.issued_on, body_html, DRAWN))
    pdf.add_font(FAMILY, "", str(font_for(font_path(font), text)))
    pdf.set_creation_date(page.issued_at)
    pdf.set_title(f"{page.title} {page.number}")
    pdf.set_author(page.agency)
    pdf.add_page()
    pdf.set_text_color(*SEAL_RED)
    pdf.set_font(FAMILY, size=20)
    pdf.cell(0, 12, page.agency, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 12, page.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 8, page.number, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*SEAL_RED)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)
    pdf.set_font(FAMILY, size=12)
    pdf.write_html(body_html, font_family=FAMILY, tag_styles=PLAIN_EMPHASIS)
    _seal(pdf, page)
    return bytes(pdf.output())
