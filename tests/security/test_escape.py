"""Issue 13, finding 6: every document generator escapes user text for its format.

Before: comparative-test PDFs passed user text into ReportLab markup, so `<` in a title made the public PDF a
500 and `<img src="/local/path.png">` embedded a file from the server's disk; a `"` in a chart label broke out
of the SVG's aria-label attribute."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhijian.consumer import report
from zhijian.platform import escape
from zhijian.risk import charts

MARKER_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
              b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00"
              b"IEND\xaeB`\x82")

HOSTILE = ["<", "a < b & c > d", '<img src="{png}"/>', "<img src='{png}' width=100 height=100>",
           '<font name="x">', "</para>", "<br/>" * 50, "&nbsp;&#0;&#xD800;", "=HYPERLINK(\"http://x\")", "@SUM(A1)",
           "+1-2", "\x00\x01\x07\x1b[31m\x7f\x85", "\ud800", "A" * 5000, "长" * 3000, '"><script>alert(1)</script>',
           "' onload='x", "\r\nBcc: victim@example.com", "$\\frac{a}{b}$", "${x}", "<![CDATA[x]]>", "\ufffe\uffff"]


def _report(text: str) -> dict:
    item = {"key": "k1", "name": text, "unit": text[:20], "weight": 1.0, "weight_pct": 100.0,
            "higher_is_better": True, "requirement": text}
    rows = [{"label": text, "rank": 1, "values": {"k1": 1.5}, "ranks": {"k1": 1}, "scores": {"k1": 100.0},
             "overall": 100.0, "failures": [text], "conforming": True},
            {"label": "B " + text[:10], "rank": 2, "values": {"k1": 0.5}, "ranks": {"k1": 2}, "scores": {"k1": 0.0},
             "overall": 0.0, "failures": [], "conforming": True}]
    return {"id": 1, "title": text, "product_type": text, "organizer": text, "lab_name": text, "tested_on": "2026-01-01",
            "method": text, "status": "published", "published_on": "2026-02-01", "items": [item], "rows": rows,
            "failing": []}


def _images(pdf: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image", pdf))


BASELINE = _images(report.pdf_report(_report("plain text")))  # the two charts (and their alpha masks)


@pytest.fixture(scope="module")
def png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("disk") / "secret.png"
    p.write_bytes(MARKER_PNG)
    return p


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_comparative_pdf_survives_hostile_text(text: str, png: Path):
    pdf = report.pdf_report(_report(text.replace("{png}", str(png))))
    assert pdf.startswith(b"%PDF")
    assert _images(pdf) == BASELINE  # the charts only, no file from the server's disk


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.sampled_from(HOSTILE).flatmap(lambda h: st.text(max_size=20).map(lambda t: h + t)))
def test_generators_property(text: str):
    text = text.replace("{png}", "/etc/hostname")
    pdf = report.pdf_report(_report(text))
    assert pdf.startswith(b"%PDF") and _images(pdf) == BASELINE
    svgs = [charts.heatmap_svg([{"category": text, "region_name": text, "x": 1, "n": 4}], title=text),
            charts.funnel_svg([{"label": text, "x": 1, "n": 10}, {"label": "b", "x": 3, "n": 20}], 0.1, 0.0,
                              label=text),
            charts.weekly_svg([text, "w2"], [1, 2], title=text)]
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed: nothing broke out of an attribute or element
        assert (root.get("aria-label") or "").endswith(re.sub(escape._XML_BAD, "", text))
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")


def test_escape_functions_per_format():
    assert escape.pdf_text('<img src="/x.png"/> & co') == "&lt;img src=\"/x.png\"/&gt; &amp; co"
    assert escape.xml_attr('a"b\'c<d>') == "a&quot;b&#x27;c&lt;d&gt;"
    assert escape.xml_text("x\x00\x08y") == "xy"
    assert escape.mail_header("Alert\r\nBcc: victim@example.com") == "Alert Bcc: victim@example.com"
    assert escape.csv_cell("=1+1") == "'=1+1" and escape.csv_cell("plain") == "plain"
    long = escape.pdf_text("A" * 200)
    assert "\u200b" in long and long.replace("\u200b", "") == "A" * 200


def _official_or_refused(text: str) -> bytes | None:
    """Either a PDF (nothing from disk embedded, markup printed as text) or a clear DomainError naming the field
    (a character the font cannot print) — never another exception."""
    import datetime as dt

    from zhijian.platform import documents
    from zhijian.platform.errors import DomainError

    organ = documents.Organ(name="杭州市市场监督管理局" + text[:30], code="杭市监")
    doc = documents.Official(organ=organ, title="关于" + text + "的通知", body=[text, "正文" + text],
                             number=documents.document_number("杭市监", 2026, 7), recipients=[text],
                             issued_on=dt.date(2026, 3, 15), attachments=[text], cc=[text],
                             annex=[documents.Annex(title=text, header=["项目", text], rows=[[text, 1.5]])])
    rep = documents.InspectionReport(lab="浙江省检验院" + text, report_no="ZJ2026-" + text[:10] + "1",
                                     sample=[("样品名称", text)], header=["检验项目", "结果"],
                                     results=[[text, "≤0.5"]], conclusion=text)
    out = None
    for make, arg in ((documents.official_pdf, doc), (documents.inspection_report_pdf, rep)):
        try:
            out = make(arg)  # type: ignore[operator]
        except DomainError as err:
            assert err.field and err.status < 500
            continue
        assert out.startswith(b"%PDF") and _images(out) == 0
    return out


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_official_documents_survive_hostile_text(text: str, png: Path):
    """公文 and 检验报告 (platform.documents: enforcement, stable and spot-check documents go through it)."""
    _official_or_refused(text.replace("{png}", str(png)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_official_documents_property(text: str):
    _official_or_refused(text)


def _room_pdfs(text: str) -> dict[str, bytes]:
    """The rooms' own PDF layouts (spot-check report, stable announcement and certificate, risk assessment) with
    the user text of each field replaced by `text`."""
    import datetime as dt

    from zhijian.risk import matrix
    from zhijian.risk import pdf as risk_pdf
    from zhijian.spotcheck import reports
    from zhijian.stable import documents as sd

    item = {"round": 0, "name": text, "unit": text[:30], "requirement": "≤7.41", "value": text[:40], "verdict": "合格",
            "method": text}
    data = {"report_no": "SP2026-0001", "product": text, "brand": text, "model": text, "production_date": "2026-03-01",
            "lot": text, "enterprise": text, "sampled_on": "2026-03-05", "place": text, "sample_no": "CY-1", "plan": text,
            "lab": text, "items": [item], "verdict": "合格", "failing_items": [], "issued_on": "2026-03-20"}
    ann = sd.AnnouncementDoc(label="2026年第1号", kind="listing", title=text, body=text, published_on=dt.date(2026, 3, 15),
                             valid_from=dt.date(2026, 3, 15), valid_until=dt.date(2029, 3, 14),
                             rows=(sd.Row("WDHG-2026-0001", text, text, text, text, text, text),))
    cert = sd.CertificateDoc("WDHG-2026-0001", text, text, text, text, text, "2026年第1号", dt.date(2026, 3, 15),
                             dt.date(2029, 3, 14), "https://zj.example/v/1")
    a = matrix.parse_assessment({"product": text or "x", "scenarios": [{
        "description": text or "x", "consumer": "others", "severity": 2,
        "steps": [{"description": text or "x", "probability": "1/10"}]}]})
    return {"spotcheck report": reports.report_pdf(data, verify_url="https://zj.example/r/1", digest="ABCD"),
            "stable announcement": sd.announcement_pdf(ann), "stable certificate": sd.certificate_pdf(cert),
            "risk assessment": risk_pdf.assessment_pdf(matrix.assess(a), record_id=1, assessor=text, created="2026-03-05",
                                                       hazard=text)}


ROOM_BASELINE: dict[str, int] = {}


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_room_pdfs_survive_hostile_text(text: str, png: Path):
    if not ROOM_BASELINE:
        ROOM_BASELINE.update({k: _images(v) for k, v in _room_pdfs("plain text").items()})
    for kind, pdf in _room_pdfs(text.replace("{png}", str(png))).items():
        assert pdf.startswith(b"%PDF"), kind
        assert _images(pdf) == ROOM_BASELINE[kind], f"{kind}: an image from the server's disk was embedded"
