"""Hostile text through the association's PDFs (issue #13's list: PT reports, exam certificates; bills are in
test_bills.py): markup (``<img src=…>`` would make ReportLab embed a server file, a stray ``<`` or ``&`` raises),
control characters and a 5,000-character run without a break. Each document must be made and
print the text as the characters it is. SQLite only: the stored text is set on the rows directly (as an import
or an older version could have stored it), which PostgreSQL's and MariaDB's column lengths would refuse; the
rendering does not depend on the backend."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.association.exam_helpers import bank, exam
from tests.association.helpers import lab_actor, ready_round
from zhijian.association.exams import service as ex
from zhijian.association.exams.models import ExamCandidate, ExamCertificate, ExamQuestion
from zhijian.association.exams.schemas import CandidateIn
from zhijian.association.pt import service as pt
from zhijian.association.pt.models import PtRound, PtScheme
from zhijian.association.pt.schemas import ResultIn
from zhijian.catalog.models import Organization
from zhijian.platform.auth import SYSTEM

MARKUP = '<img src="/etc/passwd"/> A&B <b>粗</b> 甲<乙 \x00\x07\x1b[31m'  # (a lone surrogate cannot be stored)
RUN = "W" * 5000
CONTROLS = "\x00\x07\x1b"


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    # pypdf reads the zero-width break pdf_text puts into a long run as NUL: drop it between letters of the run
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace("W\x00W", "WW")


def test_pt_reports_with_hostile_text(sqlite_db):
    with sqlite_db.session() as s:
        r, labs = ready_round(s, 6)
        for i, lab in enumerate(labs):
            pt.submit_result(s, lab_actor(lab), r.code, ResultIn(result=10.0 + 0.1 * i, expanded_uncertainty=0.2,
                                                                 method=MARKUP))
        pt.score(s, SYSTEM, r.code)
        row = s.get(PtRound, r.id)
        row.measurand, row.unit, row.method = MARKUP, "$\\frac{a}{b}$", RUN
        s.get(PtScheme, row.scheme_id).name = MARKUP + RUN
        s.get(Organization, labs[0]).name = MARKUP + RUN
        code = r.code
    with sqlite_db.session() as s:
        mine = pt.participant_report(s, lab_actor(labs[0]), code)
        whole = pt.round_report(s, SYSTEM, code)
    for pdf in (mine, whole):
        text = _text(pdf)
        assert '<img src="/etc/passwd"/>' in text and "A&B" in text and "<b>粗</b>" in text and "甲<乙" in text
        assert not any(ch in text for ch in CONTROLS)
        assert "WWWW" in text  # the run is printed, wrapped (not lost, not overflowing into an error)


def test_exam_certificate_with_hostile_holder_and_title(sqlite_db):
    with sqlite_db.session() as s:
        e = exam(s, bank(s, per_cell=4, short=False), short=False)
        e.title = MARKUP + RUN
        code = e.code
        c = ex.register(s, SYSTEM, code, CandidateIn(name="王检"))
        ex.generate_papers(s, SYSTEM, code)
        keys = {q.id: q.answer for q in s.scalars(select(ExamQuestion).where(ExamQuestion.bank == e.bank))}
        paper = s.get(ExamCandidate, c.id).paper
        ex.import_answer_sheets(s, SYSTEM, code, {c.candidate_no: {str(q): keys[q] for q in paper}})
        ex.mark_exam(s, SYSTEM, code)
        assert ex.issue_certificates(s, SYSTEM, code) == 1
        cert = s.scalar(select(ExamCertificate).where(ExamCertificate.exam_id == e.id))
        cert.holder = MARKUP + RUN
        number = cert.number
    with sqlite_db.session() as s:
        text = _text(ex.certificate_pdf(s, number, f"https://zhijian.example/association/certificates/{number}"))
    assert number in text and "<img" in text and "A&B" in text
    assert not any(ch in text for ch in CONTROLS)
    assert text.count("W") < 200  # one line per fact: the holder and title are cut to fit the page
