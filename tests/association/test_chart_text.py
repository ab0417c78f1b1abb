"""Issue #21 finding 13 (tiny chart text) for the 能力验证 reports: every text of the results plot and the z
histogram is at least 10 pt as printed — the PDF places each PNG at the figure's own size — where the old plot had
an 8 pt legend on an 8-inch figure shrunk to 175 mm (6.9 pt printed)."""

from __future__ import annotations

import io
import re
import struct

import pytest
from matplotlib.text import Text

from tests.association.helpers import lab_actor, ready_round
from zhijian.association.common import pdf
from zhijian.association.pt import report
from zhijian.association.pt import service as pt
from zhijian.association.pt.schemas import ResultIn
from zhijian.platform.auth import SYSTEM

# ten labs' lead results (mg/kg) around 0.19 with one outlier, each with its expanded uncertainty
RESULTS = [0.188, 0.191, 0.186, 0.193, 0.190, 0.184, 0.195, 0.189, 0.187, 0.240]


def _texts(fig) -> list[Text]:  # type: ignore[no-untyped-def]
    fig.savefig(io.BytesIO(), format="png")
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture
def view(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        r, labs = ready_round(s, len(RESULTS), sigma=0.01)
        for lab, v in zip(labs, RESULTS, strict=True):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=v, expanded_uncertainty=0.004))
        pt.score(s, SYSTEM, r.code)
        yield pt.round_view(s, SYSTEM, r.code)


def test_pt_chart_text_is_at_least_10_pt_as_printed(view):  # type: ignore[no-untyped-def]
    for fig, width_in in ((report.results_figure(view, "P003"), report.RESULTS_WIDTH_IN),
                          (report.histogram_figure(view), report.HISTOGRAM_WIDTH_IN)):
        texts = _texts(fig)
        assert len(texts) > 8
        assert min(t.get_fontsize() for t in texts) >= 10, sorted((t.get_fontsize(), t.get_text()) for t in texts)[:3]
        assert fig.get_size_inches()[0] == width_in <= 7.09  # fits A4 less 15 mm margins at scale 1
    png = report.results_plot(view)
    assert struct.unpack(">I", png[16:20])[0] == round(report.RESULTS_WIDTH_IN * pdf.DPI)  # no tight crop


def test_round_pdf_places_the_charts_at_their_own_size(view):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    data = report.round_pdf(view)
    streams = [page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages]
    placed = [float(w) for s in streams for w in re.findall(rb"([\d.]+) 0 0 [\d.]+ [\d.]+ [\d.]+ cm\s*/FormXob", s)]
    assert [round(w, 1) for w in placed] == [round(report.RESULTS_WIDTH_IN * 72, 1),
                                            round(report.HISTOGRAM_WIDTH_IN * 72, 1)]
