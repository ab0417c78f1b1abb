"""Issue 13, "what to build" 6: every document generator of the product escapes user text for its format.

`test_escape.py` covers the comparative-test PDF, the risk SVGs, 公文/检验报告 and the rooms' Paragraph PDFs;
the association's PT reports and exam certificates are tested in `tests/association/test_hostile_text.py` (that
room's engineer's files). This file adds the rest — the trace and equipment label sheets (canvas drawing), the
enforcement documents, the Excel/CSV exports and the notification e-mails — and an inventory: a module of src
that imports a document library must be listed here with the test that feeds it hostile text, so a new
generator cannot appear untested.

Hostile strings: ReportLab/HTML markup (`<img src="/etc/passwd">` would make ReportLab embed a file from disk),
a stray `<` or `&`, spreadsheet formulas, control characters, lone surrogates, 5,000-character runs, RTL marks,
CR/LF for header injection. Each output must be made without an exception, parse as its format, and show the
text as the characters it is (PDF text through pypdf)."""

from __future__ import annotations

import io
import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tests.security.test_background_paths import _Inbox, smtp  # noqa: F401  (the real-SMTP fixture)
from zhijian.consumer import notifications
from zhijian.equipment import labels as equipment_labels
from zhijian.platform import escape, exports
from zhijian.trace import labels as trace_labels
from zhijian.trace.service.issuance import IssuedCode

SRC = Path(__file__).resolve().parents[2] / "src" / "zhijian"
TESTS = Path(__file__).resolve().parents[1]

HOSTILE = ['<img src="/etc/passwd">', "<", "a < b & c > d", "&amp;&#0;", '=HYPERLINK("http://x","y")', "@SUM(A1)",
           "+1-2", "-2+3", "\x00\x01\x07\x1b[31m\x7f\x85", "\ud800", "\udfff末", "A" * 5000, "长" * 2000,
           "\u202eRTL\u202c \u200f\u200e", "\r\nBcc: victim@example.com", "</para><para>", "\ufffe\uffff"]

hostile = (st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.text(max_size=200)
           | st.sampled_from(HOSTILE).flatmap(lambda h: st.text(max_size=20).map(lambda t: h + t)))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])

# Every module that imports a document library, and the test that feeds it hostile text.
MARKERS = re.compile(r"^\s*(from|import) (reportlab|weasyprint|openpyxl|matplotlib)|csv\.writer|EmailMessage\(",
                     re.M)
INVENTORY: dict[str, str] = {
    "association/common/pdf.py": "association/test_hostile_text.py::test_pt_reports_with_hostile_text",
    "association/pt/report.py": "association/test_hostile_text.py::test_pt_reports_with_hostile_text",
    "association/exams/certificate.py":
        "association/test_hostile_text.py::test_exam_certificate_with_hostile_holder_and_title",
    "consumer/report.py": "security/test_escape.py::test_generators_property",
    "consumer/notifications.py": "security/test_every_generator.py::test_notification_mail_property",
    "enforcement/documents.py": "security/test_every_generator.py::test_enforcement_documents_property",
    "enforcement/inquiry.py": "security/test_every_generator.py::test_enforcement_documents_property",
    "equipment/labels.py": "security/test_every_generator.py::test_equipment_labels_property",
    "platform/documents.py": "security/test_escape.py::test_official_documents_property",
    "platform/exports.py": "security/test_every_generator.py::test_xlsx_export_property",
    "platform/tabular.py": "security/test_every_generator.py::test_xlsx_export_property",
    "platform/fonts.py": "security/test_escape.py::test_room_pdfs_survive_hostile_text",
    "risk/charts.py": "security/test_escape.py::test_generators_property",
    "risk/pdf.py": "security/test_escape.py::test_room_pdfs_survive_hostile_text",
    "risk/service/mail.py": "security/test_background_paths.py::test_",
    "spotcheck/reports.py": "security/test_escape.py::test_room_pdfs_survive_hostile_text",
    "stable/documents.py": "security/test_escape.py::test_room_pdfs_survive_hostile_text",
    "stats/plots.py": "stats/",  # numbers only: no user text reaches the plots (their labels are fixed strings)
    "trace/labels.py": "security/test_every_generator.py::test_trace_label_sheet_property",
}


def test_every_generator_has_a_hostile_text_test() -> None:
    found = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
             if p.name != "escape.py" and MARKERS.search(p.read_text(encoding="utf-8"))}
    assert found - set(INVENTORY) == set(), "a document generator without a hostile-text test"
    for module, where in INVENTORY.items():
        path, _, name = where.partition("::")
        target = TESTS / path
        assert target.exists(), (module, where)
        if name:
            text = target.read_text(encoding="utf-8")
            assert f"def {name}" in text, (module, where)


def _printable(text: str) -> str:
    """What a PDF can show of `text`: the characters XML/PDF can carry, without the zero-width breaks."""
    return re.sub(escape._XML_BAD, "", text)


def _pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert not any("/XObject" in (p.get("/Resources") or {}) and
                   any(x.get("/Subtype") == "/Image" for x in p["/Resources"]["/XObject"].values())
                   for p in reader.pages), "an image was embedded"
    return "".join(p.extract_text() or "" for p in reader.pages)


def _squash(s: str) -> str:
    return re.sub(r"[\s\u200b…]", "", s)


def _visible(s: str) -> str:
    """The characters every font of ours prints and pypdf reads back: ASCII letters, digits, markup, 长/末."""
    return "".join(re.findall(r"[0-9A-Za-z<>&=\"/长末]", s))


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_trace_label_sheet_hostile_text(text: str, tmp_path: Path) -> None:
    _trace_sheet(text, tmp_path)


@FAST
@given(text=hostile)
def test_trace_label_sheet_property(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _trace_sheet(text, tmp_path_factory.mktemp("labels"))


def _trace_sheet(text: str, tmp: Path) -> None:
    """防伪溯源标签: the product name and lot are the enterprise's text, drawn on a canvas."""
    sink = trace_labels.PdfSink(tmp / "labels.pdf", product_name=text, lot=text[:20], with_pin=True)
    sink([IssuedCode(serial=f"S{i}", uri=f"https://id.example/01/06901234567892/21/S{i}",
                     element_string=f"(01)06901234567892(21)S{i}", pin="1234") for i in range(3)])
    [out] = sink.close()
    shown = _visible(_pdf_text(out.read_bytes()))
    assert _visible(text)[:3] in shown  # the first characters of the name print as themselves (markup is not interpreted)


@FAST
@given(text=hostile)
def test_equipment_labels_property(text: str) -> None:
    """使用标志: variety, 登记证 number and the emergency line are stored text."""
    label = equipment_labels.Label(code="215010890201500098", variety_zh=text, registration_no=text,
                                   giai="0614141" + "A1", link="https://id.example/8004/0614141A1",
                                   emergency=text)
    pdf = _pdf_text(equipment_labels.render([label]))
    assert "215010890201500098" in pdf and "特种设备使用标志" in pdf
    assert _visible(text)[:3] in _visible(pdf)


@FAST
@given(text=hostile)
def test_enforcement_documents_property(text: str) -> None:
    """执法文书 (立案审批表, 处罚决定书 …): organ, parties and facts are user text in Paragraph markup."""
    from zhijian.enforcement import documents

    pdf = documents.render("decision", organ="杭州市市场监督管理局" + text[:30], number="杭市监罚〔2026〕7号",
                           issued_on=None, paragraphs=[text, "正文" + text], table=[("当事人", text)])
    shown = _squash(_pdf_text(pdf))
    assert "杭州市市场监督管理局" in shown
    assert '<img src="/etc/passwd">' not in text or "<imgsrc=" in shown  # markup printed, not obeyed


@FAST
@given(text=hostile)
def test_xlsx_export_property(text: str) -> None:
    """Excel exports: every text cell is a value, never a formula, and reads back as the text (escaped)."""
    sheet = exports.Sheet(name="产品" + text[:10], columns=[exports.Column("名称"), exports.Column(text[:30])],
                          rows=[[text, text]], title=text, filters={"名称": text}, notes=[text])
    buf = io.BytesIO()
    exports.write_xlsx(buf, [sheet])
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert all(not str(c.value).startswith(("=", "+", "-", "@")) for c in cells if c.data_type == "s")


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_notification_mail_hostile_text(text: str, smtp: _Inbox) -> None:  # noqa: F811
    _mail(text, smtp)


@FAST
@given(text=hostile)
def test_notification_mail_property(text: str, smtp: _Inbox) -> None:  # noqa: F811
    _mail(text, smtp)


def _mail(text: str, smtp: _Inbox) -> None:  # noqa: F811
    """站内通知 mailed over real SMTP (aiosmtpd): a CR/LF in the subject cannot add a header, a lone surrogate in
    the body cannot stop the mail; the message arrives with the subject on one line."""
    before = len(smtp.messages)
    notifications._send_now([notifications.Mail(to=("a@zhijian.test",), subject="【通知】" + text, body=text)])
    assert smtp.wait(lambda: len(smtp.messages) > before)
    _f, rcpt, raw = smtp.messages[-1]
    assert rcpt == ["a@zhijian.test"]  # no Bcc: smuggled in through the subject
    m = message_from_bytes(raw.encode(), policy=default)  # bytes: an 8bit body decodes as UTF-8
    assert "Bcc" not in m and str(m["Subject"]).startswith("【通知】")
    assert "\n" not in str(m["Subject"]) and "\r" not in str(m["Subject"])
    assert " ".join(str(m["Subject"]).split()) == escape.mail_header("【通知】" + text)
    got = m.get_content().replace("\r\n", "\n").rstrip("\n")
    assert got == escape.mail_body(text).rstrip("\n")  # the body arrives, lines kept
