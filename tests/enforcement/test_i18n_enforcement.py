"""Issue 19, item 5: every UI string of the enforcement room (templates and the labels its rules and checklist render:
states, lead sources, evidence kinds, service methods, document titles, interviewee roles) has an English entry — before,
125 template strings and 50 labels fell back to Chinese on ?lang=en."""

from __future__ import annotations

from zhijian.enforcement import rules
from zhijian.platform.i18n import gettext_for
from zhijian.web.i18n_check import missing, ui_strings


def test_every_template_string_of_the_enforcement_room_is_translated():
    assert len(ui_strings(["enforcement"])) > 150
    assert missing(["enforcement"]) == {}


def test_rendered_labels_are_translated():
    en = gettext_for("en")
    labels = {t for t, _ in rules.DOC_KINDS.values()}
    for table in (rules.STATES, rules.LEAD_SOURCES, rules.LEAD_STATES, rules.EVIDENCE_KINDS, rules.SERVICE_METHODS,
                  rules.INQUIRY_ROLES, rules.DECISIONS, rules.EXCLUDED_KINDS):
        labels |= set(table.values())
    assert {v for v in labels if en(v) == v} == set()
    assert en("询问笔录") == "Interview record" and en("送达回证") == "Proof of service"


def test_checklist_items_are_translated(sqlite_db):
    from tests.enforcement.helpers import actor_for, officers, open_case, organ
    from zhijian.enforcement import oversight

    en = gettext_for("en")
    with sqlite_db.session() as s:
        org = organ(s, "330100")
        case = open_case(s, org, officers(s, org))
        items = [i["item"] for i in oversight.checklist(s, actor_for(org), case.id)]
    assert items and [i for i in items if en(i) == i] == []
