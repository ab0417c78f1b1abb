"""PDF building blocks for the association's reports and certificates (ReportLab, the embedded CJK font of
platform.fonts).

The platform has no shared PDF helper yet; this one stays inside the room (see the report of issue 20).
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Table, TableStyle

from zhijian.platform.fonts import pdf_font


def font() -> str:
    """The embedded CJK font (issue 21: STSong-Light was not embedded; ², ³ printed as boxes)."""
    return pdf_font()


def styles() -> dict[str, ParagraphStyle]:
    f = font()
    return {"h1": ParagraphStyle("h1", fontName=f, fontSize=16, leading=22, spaceAfter=6),
            "h2": ParagraphStyle("h2", fontName=f, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
            "body": ParagraphStyle("b", fontName=f, fontSize=9.5, leading=14),
            "small": ParagraphStyle("s", fontName=f, fontSize=8, leading=10, textColor=colors.grey)}


def table(data: list[list[Any]], widths: list[float] | None = None, highlight: list[int] | None = None) -> Table:
    t = Table(data, colWidths=widths, repeatRows=1)
    style = [("FONTNAME", (0, 0), (-1, -1), font()), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for row in highlight or []:
        style.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#fff3cd")))
    t.setStyle(TableStyle(style))
    return t


# Charts are drawn at the size they are printed (issue #21 finding 13): a figure `width` inches wide is placed
# `width` inches wide in the PDF (`image`), so a font of N pt prints at N pt; every text is at least MIN_PT.
DPI = 150
MIN_PT = 10.0


def png_figure(fig: Any) -> bytes:
    """The figure as PNG at exactly its size (no tight crop, which would change the print scale)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def image(png: bytes) -> Any:
    """A PNG of `png_figure` as a flowable at its own size (DPI pixels an inch): charts print at scale 1."""
    from reportlab.lib.units import inch
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    iw, ih = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=iw / DPI * inch, height=ih / DPI * inch)


def figure(width: float, height: float) -> Any:
    """A matplotlib Figure (no pyplot state) with the CJK font of zhijian.platform.fonts, laid out so that its
    labels fit inside its own size, every text at least MIN_PT."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from zhijian.platform.fonts import use_cjk_in_matplotlib

    use_cjk_in_matplotlib()
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")
