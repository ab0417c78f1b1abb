"""Issue #21 finding 13 (tiny chart text) for the comparative-test charts: every text of the bar and radar charts
is at least 10 pt at the size the chart is shown — the PDF places each PNG at its own size (the figure's inches),
the page shows it at 96 CSS px an inch — where the old charts had 8–9 pt text, then scaled to fit."""

from __future__ import annotations

import io
import re
import struct

from matplotlib.text import Text

from tests.consumer.test_rules import ITEMS, _kettles
from zhijian.consumer import report

D_TESTED = "2026-01-05"


def _report() -> dict:  # type: ignore[type-arg]
    rows = _kettles()
    return {"id": 1, "title": "电热水壶比较试验", "product_type": "电热水壶", "organizer": "中国质量检验协会",
            "lab_name": "检验院", "tested_on": D_TESTED, "published_on": None, "method": "按 GB 4706.19 检测",
            "items": [{"key": i.key, "name": i.name, "unit": i.unit, "weight": i.weight, "weight_pct": i.weight,
                       "higher_is_better": i.higher_is_better, "requirement": ""} for i in ITEMS],
            "rows": [{"label": r.sample, "values": r.values, "ranks": r.ranks, "scores": r.scores,
                      "overall": r.overall, "rank": r.rank, "failures": list(r.failures)}
                     for r in sorted(rows, key=lambda r: r.rank)]}


def _texts(fig) -> list[Text]:  # type: ignore[no-untyped-def]
    fig.savefig(io.BytesIO(), format="png")  # lay it out as it is saved
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_every_chart_text_is_at_least_10_pt_as_shown():
    rep = _report()
    for fig, width_in in ((report.bar_figure(rep), report.BAR_WIDTH_IN), (report.radar_figure(rep),
                                                                        report.RADAR_WIDTH_IN)):
        texts = _texts(fig)
        assert len(texts) > 10  # ticks, labels, title, values / legend
        assert min(t.get_fontsize() for t in texts) >= 10, sorted((t.get_fontsize(), t.get_text()) for t in texts)[:3]
        assert fig.get_size_inches()[0] == width_in
    for png, width_in, kind in ((report.bar_chart(rep), report.BAR_WIDTH_IN, "bar"),
                                (report.radar_chart(rep), report.RADAR_WIDTH_IN, "radar")):
        assert _png_size(png)[0] == round(width_in * report.DPI)  # no tight crop: the size is the figure's
        assert report.CSS_PX[kind] == round(width_in * 96)  # the page: 1 figure inch = 96 CSS px → 10 pt ≥ 13 px


def test_the_pdf_places_each_chart_at_its_own_size():
    pdf = report.pdf_report(_report())
    from pypdf import PdfReader

    streams = [page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]
    placed = [float(w) for s in streams for w in re.findall(rb"([\d.]+) 0 0 [\d.]+ [\d.]+ [\d.]+ cm\s*/FormXob", s)]
    expected = [round(w * 72, 1) for w in (report.BAR_WIDTH_IN, report.RADAR_WIDTH_IN)]
    assert [round(w, 1) for w in placed] == expected  # points: the figure's inches × 72, scale 1
