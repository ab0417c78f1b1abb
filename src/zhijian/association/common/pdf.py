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


def png_figure(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def figure(width: float, height: float) -> Any:
    """A matplotlib Figure (no pyplot state) with the CJK font of zhijian.platform.fonts."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from zhijian.platform.fonts import use_cjk_in_matplotlib

    use_cjk_in_matplotlib()
    return Figure(figsize=(width, height), dpi=110)
