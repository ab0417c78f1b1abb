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


def check_excluded(kind: str, start: dt.date, end: dt.date) -> None:
    """A period not counted in a clock (除外期间: 中止、听证、公告、检测检验检疫鉴定 …): a known kind, ending no
    earlier than it starts — for the 核查 clock of a lead and the 办案期限 of a case alike."""
    if kind not in EXCLUDED_KINDS:
        raise DomainError("enforcement.bad_kind", f"未知除外期间种类：{kind}", f"unknown excluded period: {kind}",
                          field="kind")
    interval_days([(start, end)])


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


# 办案环节: the kind of each step of a case, as its history lists it — in English by code (the platform catalogue's
# 立案 / 结案 are the buttons "Case opened" / "Close the case", not the entries of a history)
STEP_KINDS: dict[str, str] = {
    "filing": "立案", "inquiry": "询问", "seizure": "查封扣押", "seizure_extension": "延长查封扣押",
    "seizure_release": "解除查封扣押", "excluded": "期限除外期间", "extension": "延长办案期限", "review": "案件审核",
    "legal_review": "法制审核", "notice": "送达行政处罚告知书", "response": "陈述申辩", "hearing": "听证",
    "decision": "作出决定", "service": "送达决定书", "payment": "罚款缴纳", "enforcement": "申请强制执行",
    "closure": "结案", "publication": "公示", "listing_proposal": "拟列入严重违法失信名单",
    "listing": "列入严重违法失信名单", "credit_repair": "信用修复", "transfer": "移送",
    "transfer_accepted": "移送已接收", "assist_answer": "协查答复",
}
STEP_KINDS_EN: dict[str, str] = {
    "filing": "Case filed", "inquiry": "Interview", "seizure": "Seizure", "seizure_extension": "Seizure extended",
    "seizure_release": "Seizure released", "excluded": "Excluded period", "extension": "Case period extended",
    "review": "Case review", "legal_review": "Legal review", "notice": "Penalty notice served",
    "response": "Statement and defence", "hearing": "Hearing", "decision": "Decision made",
    "service": "Decision served", "payment": "Fine paid", "enforcement": "Compulsory enforcement applied for",
    "closure": "Case closed", "publication": "Published", "listing_proposal": "Proposed for the serious-violation list",
    "listing": "Put on the serious-violation list", "credit_repair": "Credit restored", "transfer": "Transferred",
    "transfer_accepted": "Transfer accepted", "assist_answer": "Assistance answered",
}


def step_label(kind: str, lang: str) -> str:
    """One 办案环节 in the page's language (the code itself when it is not a known step)."""
    return (STEP_KINDS_EN if lang == "en" else STEP_KINDS).get(kind, kind)


# the notes the procedure itself writes on a step (the rest is what an officer typed, shown as typed): kind →
# (pattern, English)
_STEP_NOTES_EN = {"inquiry": (re.compile(r"^询问 (?P<a>.+)$"), "Interviewed {a}"),
                  "transfer_accepted": (re.compile(r"^(?P<a>.+)已接收并立案：(?P<b>.+)$"), "{a} accepted it and filed case {b}")}


def step_note(kind: str, note: str, lang: str) -> str:
    rule = _STEP_NOTES_EN.get(kind) if lang == "en" else None
    m = rule[0].match(note or "") if rule else None
    return rule[1].format(**m.groupdict()) if rule and m else (note or "")


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


# ------------------------------------------------------------------------------------------- 询问笔录

INQUIRY_BASIS = ("《市场监督管理行政处罚程序规定》第三十一条：询问应当个别进行；询问笔录交被询问人核对（阅读有困难的向其宣读），"
                 "差错、遗漏允许更正或补充，涂改部分由被询问人确认；核对无误后由被询问人逐页签名、盖章或者以其他方式确认，"
                 "办案人员在笔录上签名（条文序号据2022年修正本，待核对）；《中华人民共和国行政处罚法》第四十二条、第五十五条：执法人员"
                 "不得少于两人并出示执法证件，询问或者检查应当制作笔录")
INQUIRY_SIGN_LINE = "以上笔录我已看过，与我所说的相符"
INQUIRY_ROLES: dict[str, str] = {"party": "当事人", "legal_rep": "法定代表人", "employee": "当事人工作人员",
                                 "witness": "证人", "other": "其他有关人员"}
_ID_18 = re.compile(r"^\d{17}[\dX]$")


def parse_id_no(value: str, field: str = "interviewee_id_no") -> str:
    """居民身份证号码 (GB 11643-1999): 18 characters with the ISO 7064 MOD 11-2 check character; other documents
    (passport, 港澳台 permits) pass as given, upper-cased."""
    v = (value or "").strip().upper()
    if not v:
        raise DomainError("enforcement.no_id_no", "须填写被询问人身份证件号码", "the interviewee's ID number is required",
                          field=field)
    if len(v) == 18 and v[:17].isdigit():
        if not _ID_18.match(v) or id_check_char(v[:17]) != v[17]:
            raise DomainError("enforcement.bad_id_no", "身份证号码校验位不符（GB 11643-1999）",
                              "the ID card number fails its check character (GB 11643-1999)", field=field)
        return v
    if not re.match(r"^[0-9A-Z]{5,24}$", v):
        raise DomainError("enforcement.bad_id_no", "身份证件号码格式不正确", "malformed ID number", field=field)
    return v


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character: weights 2^(17-i) mod 11, MOD 11-2 → '10X98765432'."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


def mask_id(value: str) -> str:
    """An ID number as any public or list form shows it: the first 6 and last 4 kept (330106********1234)."""
    v = (value or "").strip()
    if len(v) <= 6:
        return "*" * len(v)
    keep = 4 if len(v) > 10 else 2
    return v[:6] + "*" * (len(v) - 6 - keep) + v[-keep:]


# ------------------------------------------------------------------------------------------- 严重违法失信名单

SERIOUS_BASIS = ("《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号，2021年）第二条：当事人违反法律、行政法规，"
                 "性质恶劣、情节严重、社会危害较大，受到市场监督管理部门较重行政处罚的，列入严重违法失信名单；较重行政处罚包括"
                 "依照裁量基准按照从重处罚原则处以罚款，降低资质等级、吊销许可证件、营业执照，限制开展生产经营活动、责令停产停业、"
                 "责令关闭、限制从业等")
SERIOUS_ARTICLES: dict[str, str] = {
    # violation code of the catalogue → the article of Order 44 naming that conduct
    "FSL-122": "第五条（食品安全领域：未依法取得食品生产经营许可）",
    "FSL-123": "第五条（食品安全领域：用非食品原料生产食品、添加非食用物质）",
    "FSL-124": "第五条（食品安全领域：致病性微生物、农药残留、重金属等超标）",
    "PQL-49": "第七条（质量安全领域：不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品）",
    "PQL-50": "第七条（质量安全领域：掺杂掺假、以假充真、以次充好、以不合格产品冒充合格产品）",
    "PQL-51": "第七条（质量安全领域：国家明令淘汰的产品）",
    "SEL-84": "第七条（质量安全领域：未取得许可生产、未经检验或者检验不合格、明令淘汰、已经报废的特种设备）",
    "SEL-85": "第七条（质量安全领域：对不符合安全技术规范要求的移动式压力容器和气瓶进行充装）",
    "CRL-56": "第八条（侵害消费者权益领域）",
}
HEAVY_MEASURES = ("吊销", "降低资质等级", "责令停产停业", "责令关闭", "限制从业", "限制开展生产经营活动")


@dataclass(frozen=True)
class SeriousListing:
    """Whether a decision meets Order 44's listing criteria, and why (zh), with the articles."""

    meets: bool
    articles: tuple[str, ...]
    reason: str


def serious_listing(*, violation_code: str, tier: str, measures: Sequence[str], serious: bool) -> SeriousListing:
    """Order 44 Art. 2: a conduct its Arts 5–8 name, 性质恶劣、情节严重、社会危害较大 (the officer's finding), and a
    较重行政处罚 — a fine in the 从重 tier of the 裁量基准 or a heavy measure (吊销, 责令停产停业 …)."""
    art = SERIOUS_ARTICLES.get((violation_code or "").upper())
    heavy = [m for m in measures if any(h in m for h in HEAVY_MEASURES)]
    if art is None:
        return SeriousListing(False, (), "违法行为不属于第五条至第八条所列情形")
    if not (tier == "aggravated" or heavy):
        return SeriousListing(False, (art,), "未受到较重行政处罚（未按从重处罚原则处以罚款，也无吊销、责令停产停业等）")
    if not serious:
        return SeriousListing(False, (art,), "未认定性质恶劣、情节严重、社会危害较大")
    why = "按照从重处罚原则处以罚款" if tier == "aggravated" else "、".join(heavy)
    return SeriousListing(True, ("第二条", art), f"受到较重行政处罚（{why}），且情节严重、社会危害较大")
