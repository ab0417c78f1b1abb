"""综合执法 rules (pure): the procedure as a state machine, the statutory clocks, officers and the evidence chain.

Sources (《市场监督管理行政处罚程序规定》, SAMR Order No. 2 of 2019 as amended 2021/2022, "程序规定"):
- 核查 and the 立案 decision: 15 working days from the lead, +15 with approval; 检测、检验、检疫、鉴定 time not counted
  (程序规定 第十八条); the 立案审批表 and two officers (第二十条, 《行政处罚法》第四十二条);
- 查封、扣押: 30 days, +30 with approval, 检测检验鉴定 time not counted (《行政强制法》第二十五条; 程序规定 第四十一条);
- 告知 and 陈述、申辩 / 听证 request: 5 working days from service of the 告知书 (程序规定, 《行政处罚法》第四十四、四十五条;
  《市场监督管理行政处罚听证办法》); the hearing notice 7 days before (《行政处罚法》第六十四条);
- 办案期限: 90 days from 立案, +30 with approval, further by collective decision; 中止、听证、公告、检测检验检疫鉴定 time not
  counted (程序规定 第六十四条);
- 送达: within 7 days when the party was absent (《行政处罚法》第六十一条); payment within 15 days of receipt, 加处罚款 3 %
  a day up to the fine (《行政处罚法》第六十七条、第七十二条);
- 公示: within 20 working days of the decision (《市场监督管理行政处罚信息公示规定》).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from zhijian.platform.calendar import Deadline, Interval, WorkCalendar
from zhijian.platform.errors import DomainError, InvalidTransition

# ------------------------------------------------------------------------------------------- leads

LEAD_SOURCES: dict[str, str] = {
    "spotcheck": "监督抽查不合格", "report": "投诉举报", "counterfeit": "假冒伪劣扫码信号", "risk": "风险监测信号",
    "equipment": "特种设备不合格/超期未检", "stable": "稳定合格产品撤销", "transfer": "其他部门移送", "manual": "人工录入",
}
LEAD_STATES: dict[str, str] = {"received": "待核查", "filed": "已立案", "not_filed": "不予立案", "transferred": "已移送"}

VERIFY_DAYS = 15
VERIFY_EXTENSION_DAYS = 15
VERIFY_BASIS = "《市场监督管理行政处罚程序规定》第十八条：自发现线索或者收到材料之日起十五个工作日内核查并决定是否立案，特殊情况经负责人批准可延长十五个工作日；检测、检验、检疫、鉴定等时间不计入"

# ------------------------------------------------------------------------------------------- cases

STATES: dict[str, str] = {
    "investigating": "调查取证", "review": "案件审核", "notified": "已告知", "hearing": "听证",
    "decided": "已决定", "served": "已送达", "executing": "执行中", "closed": "已结案", "transferred": "已移送",
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "investigating": ("review", "transferred"),
    "review": ("notified", "investigating", "transferred"),
    "notified": ("hearing", "decided", "investigating"),
    "hearing": ("decided", "investigating"),
    "decided": ("served",),
    "served": ("executing", "closed"),
    "executing": ("closed",),
    "closed": (),
    "transferred": (),
}
DECISIONS: dict[str, str] = {"penalty": "行政处罚决定", "no_penalty": "不予行政处罚决定"}
CASE_DAYS = 90
CASE_EXTENSION_DAYS = 30
CASE_BASIS = "《市场监督管理行政处罚程序规定》第六十四条：自立案之日起九十日内作出处理决定；经负责人批准可延长三十日；经负责人集体讨论可继续延期；中止、听证、公告和检测、检验、检疫、鉴定等时间不计入"
EXCLUDED_KINDS: dict[str, str] = {"suspension": "中止", "hearing": "听证", "announcement": "公告",
                                  "testing": "检测、检验、检疫、鉴定", "identification": "权利人辨认或者鉴别"}
SEIZURE_DAYS = 30
SEIZURE_EXTENSION_DAYS = 30
SEIZURE_BASIS = "《中华人民共和国行政强制法》第二十五条、《市场监督管理行政处罚程序规定》第四十一条：查封、扣押的期限不得超过三十日；情况复杂的，经负责人批准可延长，延长不得超过三十日；检测、检验、检疫或者技术鉴定的期间不计入"
RESPONSE_WORKING_DAYS = 5
RESPONSE_BASIS = "《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十四条第一款；《市场监督管理行政处罚程序规定》、《市场监督管理行政处罚听证办法》：当事人自告知书送达之日起五个工作日内陈述、申辩或者要求听证，逾期视为放弃"
HEARING_NOTICE_DAYS = 7
HEARING_BASIS = "《中华人民共和国行政处罚法》第六十四条第（二）项：行政机关应当在举行听证的七日前通知当事人及有关人员听证的时间、地点"
SERVICE_DAYS = 7
SERVICE_BASIS = "《中华人民共和国行政处罚法》第六十一条：当事人不在场的，行政机关应当在七日内依照民事诉讼法的有关规定送达"
PAYMENT_DAYS = 15
PAYMENT_BASIS = "《中华人民共和国行政处罚法》第六十七条第三款：当事人应当自收到行政处罚决定书之日起十五日内缴纳罚款"
LATE_RATE = Decimal("0.03")
LATE_BASIS = "《中华人民共和国行政处罚法》第七十二条第一款第（一）项：到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额"
PUBLICATION_WORKING_DAYS = 20
PUBLICATION_BASIS = "《市场监督管理行政处罚信息公示规定》：自作出行政处罚决定之日起二十个工作日内通过国家企业信用信息公示系统公示（条文序号待核对）"
REPAIR_MIN_DAYS_LOW = 90
REPAIR_MIN_DAYS = 365
REPAIR_BASIS = "《市场监督管理信用修复管理办法》：行政处罚信息公示期满（较低数额罚款三个月、其他一年）且已履行处罚、完成整改的，可申请信用修复、停止公示（期限待核对）"
REVIEW_BASIS = "《中华人民共和国行政处罚法》第五十八条：涉及重大公共利益、直接关系当事人重大权益经过听证程序、案件情况疑难复杂等情形，作出决定前应当进行法制审核"

SERVICE_METHODS: dict[str, str] = {"direct": "直接送达", "lodged": "留置送达", "electronic": "电子送达", "post": "邮寄送达",
                                   "entrusted": "委托送达", "forwarded": "转交送达", "announcement": "公告送达"}
EVIDENCE_KINDS: dict[str, str] = {"inspection_record": "现场检查笔录", "inquiry_record": "询问笔录", "sampling": "抽样记录",
                                  "test_report": "检验报告", "document": "书证", "photo": "照片", "video": "视听资料",
                                  "electronic": "电子数据", "other": "其他"}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, ()):
        raise InvalidTransition("enforcement_case", current, target)


@dataclass(frozen=True)
class DecisionGate:
    """Why a decision may (not) be made now: 告知 served and the response period over (or the rights waived)."""

    allowed: bool
    reason: str


def decision_gate(*, notified_on: dt.date | None, response_due: dt.date | None, waived: bool, hearing_requested: bool,
                  hearing_held: bool, on: dt.date) -> DecisionGate:
    """No 决定 before the party had its 告知 and its response period (《行政处罚法》第四十四、四十五、六十二条)."""
    if notified_on is None or response_due is None:
        return DecisionGate(False, "未送达行政处罚告知书（《中华人民共和国行政处罚法》第四十四条）")
    if hearing_requested and not hearing_held:
        return DecisionGate(False, "当事人已要求听证，听证结束前不得作出决定（《中华人民共和国行政处罚法》第六十三条、第六十五条）")
    if not waived and on <= response_due:
        return DecisionGate(False, f"陈述、申辩期限至{response_due.isoformat()}届满前不得作出决定（《中华人民共和国行政处罚法》第六十二条）")
    return DecisionGate(True, "")


# ------------------------------------------------------------------------------------------- clocks


def verify_due(cal: WorkCalendar, received_on: dt.date, *, extended: bool, excluded: Sequence[Interval] = ()) -> Deadline:
    n = VERIFY_DAYS + (VERIFY_EXTENSION_DAYS if extended else 0)
    return cal.add_working_days(received_on, n, excluded)


def interval_days(intervals: Sequence[Interval]) -> int:
    """Calendar days inside the intervals (both ends inclusive; overlaps counted once)."""
    days: set[dt.date] = set()
    for a, b in intervals:
        if b < a:
            raise DomainError("enforcement.bad_interval", "除外期间的结束日早于开始日", "an excluded period ends before it starts",
                              field="end")
        days.update(a + dt.timedelta(days=i) for i in range((b - a).days + 1))
    return len(days)


def case_due(cal: WorkCalendar, filed_on: dt.date, *, extension_days: int, excluded: Sequence[Interval] = ()) -> Deadline:
    """办案期限 (程序规定 第六十四条): 90 days from 立案 plus recorded extensions plus the excluded periods' days."""
    extra = interval_days(excluded)
    d = cal.add_calendar_days(filed_on, CASE_DAYS + extension_days + extra)
    note = f"；含延长{extension_days}日" if extension_days else ""
    note += f"；不计除外期间{extra}日" if extra else ""
    return Deadline(d.due, d.provisional, d.basis + note + "（程序规定第六十四条）")


def seizure_due(cal: WorkCalendar, start: dt.date, *, extended: bool, excluded: Sequence[Interval] = ()) -> Deadline:
    n = SEIZURE_DAYS + (SEIZURE_EXTENSION_DAYS if extended else 0) + interval_days(excluded)
    return cal.add_calendar_days(start, n)


def response_due(cal: WorkCalendar, served_on: dt.date) -> Deadline:
    return cal.add_working_days(served_on, RESPONSE_WORKING_DAYS)


def earliest_hearing(served_notice_on: dt.date) -> dt.date:
    """The hearing is held at least 7 days after its notice (《行政处罚法》第六十四条第（二）项)."""
    return served_notice_on + dt.timedelta(days=HEARING_NOTICE_DAYS)


def service_due(cal: WorkCalendar, decided_on: dt.date) -> Deadline:
    return cal.add_calendar_days(decided_on, SERVICE_DAYS)


def payment_due(cal: WorkCalendar, received_on: dt.date) -> Deadline:
    return cal.add_calendar_days(received_on, PAYMENT_DAYS)


def late_surcharge(fine: Decimal, due: dt.date, paid_on: dt.date) -> Decimal:
    """加处罚款 (《行政处罚法》第七十二条): 3 % of the fine per day after the due date, at most the fine itself."""
    days = max((paid_on - due).days, 0)
    return min((fine * LATE_RATE * days).quantize(Decimal("0.01")), fine)


def publication_due(cal: WorkCalendar, decided_on: dt.date) -> Deadline:
    return cal.add_working_days(decided_on, PUBLICATION_WORKING_DAYS)


def repair_earliest(published_on: dt.date, *, large: bool) -> dt.date:
    """The first day a 信用修复 (停止公示) may be granted: 3 months after publication for a low fine, else 1 year."""
    return published_on + dt.timedelta(days=REPAIR_MIN_DAYS if large else REPAIR_MIN_DAYS_LOW)


def credit_severity(*, fine_fen: int, hearing_right: bool, revoked: bool = False) -> str:
    """How the credit room weighs the penalty: minor (no fine), general, serious (hearing-level or a revocation)."""
    if revoked or hearing_right:
        return "serious"
    return "general" if fine_fen else "minor"


def needs_legal_review(*, hearing_right: bool, major_public_interest: bool, complex_case: bool) -> bool:
    """法制审核 (《行政处罚法》第五十八条): the decision affects major rights (hearing-level), public interest, or is complex."""
    return hearing_right or major_public_interest or complex_case


# ------------------------------------------------------------------------------------------- officers and numbers

_CERT = re.compile(r"^[0-9A-Z]{6,24}$")


def parse_cert_no(value: str, field: str = "cert_no") -> str:
    """执法证号: 6–24 digits or capital letters (the national card numbers are 14–17 digits; some provinces add letters)."""
    v = (value or "").strip().upper()
    if not _CERT.match(v):
        raise DomainError("enforcement.bad_cert_no", f"执法证号格式不正确：{value}", f"bad law-enforcement card number: {value}",
                          field=field)
    return v


def check_two_officers(cert_nos: Sequence[str]) -> tuple[str, str]:
    """Every step is done by two officers with 执法证 (《行政处罚法》第四十二条, 程序规定 第二十条)."""
    certs = [parse_cert_no(c, "officers") for c in cert_nos]
    if len(certs) != 2 or certs[0] == certs[1]:
        raise DomainError("enforcement.two_officers", "每一环节须由两名持有执法证的执法人员办理",
                          "each step needs two different officers with law-enforcement cards", field="officers")
    return certs[0], certs[1]


def doc_number(organ_abbr: str, kind_abbr: str, year: int, seq: int) -> str:
    """文号: 〔机关代字〕〔种类〕〔年份〕序号, e.g. 杭市监处罚〔2026〕12号."""
    return f"{organ_abbr}{kind_abbr}〔{year}〕{seq}号"


DOC_KINDS: dict[str, tuple[str, str]] = {  # kind → (title, 文号 代字)
    "filing": ("立案审批表", "立"), "inquiry": ("询问笔录", "询"), "notice": ("行政处罚告知书", "罚告"),
    "hearing_notice": ("听证通知书", "听"), "decision": ("行政处罚决定书", "罚"), "no_penalty": ("不予行政处罚决定书", "不罚"),
    "receipt": ("送达回证", "送"), "transfer": ("案件移送函", "移"), "assist": ("协助调查函", "协"),
}


def organ_abbr(name: str) -> str:
    """The organ's 代字 from its name: 杭州市市场监督管理局 → 杭市监 (first char + 市/省/区/县 + 监)."""
    n = (name or "").strip()
    if not n:
        return "市监"
    level = next((c for c in ("省", "市", "区", "县") if c in n[1:8]), "")
    return f"{n[0]}{level}监"


# ------------------------------------------------------------------------------------------- evidence chain


def evidence_link(prev_hash: str, file_hash: str, kind: str, description: str, collected_at: str) -> str:
    """The hash of one evidence item chained to the previous one of the case: a removed or edited item breaks it."""
    body = "\x1f".join((prev_hash, file_hash, kind, description, collected_at)).encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def check_chain(items: Sequence[tuple[str, str, str, str, str, str]]) -> int | None:
    """(prev, file_hash, kind, description, collected_at, stored hash) in order → index of the first broken link."""
    prev = ""
    for i, (p, fh, kind, desc, at, h) in enumerate(items):
        if p != prev or evidence_link(p, fh, kind, desc, at) != h:
            return i
        prev = h
    return None


# ------------------------------------------------------------------------------------------- public version


_ID_CARD = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
_LABELLED_NAME = re.compile(r"(联系人|法定代表人|负责人|经营者|委托代理人|证人|被询问人)([：:]?)([\u4e00-\u9fff]{2,4})(?=[，。、；,;\s（(]|$)")


def redact(text: str, names: Sequence[str] = ()) -> str:
    """The public version of a decision (《市场监督管理行政处罚信息公示规定》第六条, personal information): ID-card and phone
    numbers masked, the named natural persons (listed, or after 联系人 / 法定代表人 / 负责人 …) replaced by their surname and ＊."""
    out = _ID_CARD.sub(lambda m: m.group(0)[:6] + "＊" * 8 + m.group(0)[-4:], text or "")
    out = _PHONE.sub(lambda m: m.group(0)[:3] + "＊＊＊＊" + m.group(0)[-4:], out)
    out = _LANDLINE.sub("＊＊＊＊", out)
    out = _LABELLED_NAME.sub(lambda m: m.group(1) + m.group(2) + m.group(3)[0] + "＊" * (len(m.group(3)) - 1), out)
    for name in names:
        n = (name or "").strip()
        if len(n) >= 2:
            out = out.replace(n, n[0] + "＊" * (len(n) - 1))
    return out
