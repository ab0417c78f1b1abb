"""The association's pages in English (issue #20): every UI string of the room (templates, labels its rules render:
statuses, classes, kinds, provinces, the ISO/IEC 17025 checklist, signals, votes) has an English entry — before,
about 400 fell back to Chinese on ?lang=en — and the console pages' headings, table headers, buttons and form
labels carry no Chinese in English mode."""

from __future__ import annotations

import re

import pytest

from zhijian.association.assessment import rules as assessment_rules
from zhijian.association.campaigns import rules as campaign_rules
from zhijian.association.exams import rules as exam_rules
from zhijian.association.experts import service as experts
from zhijian.association.members import rules as member_rules
from zhijian.association.pt import rules as pt_rules
from zhijian.association.standards import rules as standard_rules
from zhijian.platform.i18n import gettext_for
from zhijian.web.i18n_check import missing, ui_strings

CJK = re.compile(r"[\u3400-\u9fff]")
UI = re.compile(r"<(h1|th|button|legend|label)\b[^>]*>(.*?)</\1>", re.S)
PAGES = ["pt", "pt/follow-ups", "pt/history", "exams", "standards", "members", "campaigns", "assessments", "courses",
         "experts", "complaint-statistics"]


def test_every_ui_string_of_the_association_is_translated():
    assert len(ui_strings(["association"])) > 300
    assert missing(["association"]) == {}


def test_rendered_labels_are_translated():
    en = gettext_for("en")
    tables = [assessment_rules.STATUSES, assessment_rules.CHECKLIST, assessment_rules.RESULTS,
              assessment_rules.SEVERITIES, campaign_rules.PROVINCES, campaign_rules.KINDS, exam_rules.KINDS,
              exam_rules.DIFFICULTY, member_rules.CLASSES, member_rules.STATUSES, member_rules.DUES_STATUSES,
              pt_rules.STATUSES, pt_rules.SIGNALS_ZH, pt_rules.SCORE_KINDS, standard_rules.VOTES,
              experts.COMMITTEES, experts.KINDS]
    labels = {v for t in tables for v in t.values()}
    assert len(labels) > 100
    assert sorted(v for v in labels if en(v) == v) == []
    assert en("浙江") == "Zhejiang" and en("计量溯源性") == "Metrological traceability"


@pytest.mark.parametrize("path", PAGES)
def test_console_pages_in_english(client, login, path):
    r = client.get(f"/console/association/{path}?lang=en", headers=login("association"))
    assert r.status_code == 200, r.text[:300]
    chinese = [re.sub(r"<[^>]+>", "", text).strip() for _, text in UI.findall(r.text)
               if CJK.search(re.sub(r"<[^>]+>|value=\"[^\"]*\"", "", text))]
    assert chinese == []
