"""术语表 — the enum codes pages show (states, statuses, kinds, roles), each as its zh-CN term; the English comes
from the one message catalogue like every other string. Templates use the `term` filter
(`{{ a.status|term("alert") }}`), so no page prints a raw code such as `submitted` or `frozen` (issue #21
finding 8). A code is looked up under its kind first ("alert.draft"), then alone; an unknown code is shown as is.

`who` turns the actor labels the rooms store ("inspector:wang", "admin:system") into the role's term and the
user name, and `note` the few machine notes stored in histories ("4 items")."""

from __future__ import annotations

import re
from collections.abc import Callable

TERMS: dict[str, str] = {
    # risk: alerts, signals, recalls, sampling bases
    "alert.draft": "草稿", "alert.published": "已发布", "alert.withdrawn": "已撤回",
    "signal.open": "待研判", "signal.confirmed": "已确认", "signal.false_alarm": "误报",
    "recall.open": "进行中", "recall.closed": "已结束",
    "basis.random": "随机抽样", "basis.includes_targeted": "含定向抽样", "basis.complaints": "投诉举报",
    # trace: code statuses
    "code.active": "有效", "code.frozen": "已冻结", "code.voided": "已作废", "code.recalled": "已召回",
    # stable: evaluation outcomes
    "outcome.eligible": "符合条件", "outcome.ineligible": "不符合条件", "outcome.undetermined": "无法判定",
    # spot-check attachments, plan statuses, decision rules
    "attachment.photo": "现场照片", "attachment.seal": "封样照片", "attachment.document": "文件",
    "plan.draft": "草稿", "plan.issued": "已下达", "plan.published": "已公布",
    "objection.submitted": "待处理", "objection.accepted": "已受理（复检）", "objection.rejected": "不予受理",
    "objection.retested": "已复检",
    "rule.simple": "简单接受", "rule.guarded": "保护带接受",
    # shared
    "submitted": "已提交", "draft": "草稿", "published": "已发布", "withdrawn": "已撤回", "open": "进行中",
    "closed": "已结束", "active": "有效", "frozen": "已冻结", "not_detected": "未检出", "pending": "待处理",
    "approved": "已批准", "rejected": "未批准", "true": "是", "false": "否",
}

ROLE_TERMS = {"admin": "系统管理员", "regulator": "监管部门", "association": "协会", "inspector": "检验机构",
              "enterprise": "企业用户", "public": "公众", "system": "系统"}
_NOTE = re.compile(r"^(?P<prefix>.*?)(?P<n>\d+) items?$")


def term(value: object, kind: str = "") -> str:
    """The zh-CN term of an enum code (untranslated; the caller passes it through the catalogue)."""
    code = "" if value is None else str(value)
    return TERMS.get(f"{kind}.{code}") or TERMS.get(code) or code


def who(label: object, _: Callable[..., str]) -> str:
    """"inspector:wang" → "检验机构 wang"; "admin:system" → "系统" (a label without a role is shown as is)."""
    text = "" if label is None else str(label)
    role, sep, name = text.partition(":")
    if not sep or role not in ROLE_TERMS:
        return text
    if name in ("system", ""):
        return _(ROLE_TERMS["system"])
    return f"{_(ROLE_TERMS[role])} {name}"


def note(text: object, _: Callable[..., str]) -> str:
    """A stored machine note in the visitor's language: "4 items" → "4 项", a stored term (合格) through the
    catalogue; any other note is a person's words and stays as written."""
    raw = "" if text is None else str(text)
    m = _NOTE.match(raw)
    if m is None:
        return _(raw)
    return (m.group("prefix") or "") + _("{n} 项", n=m.group("n"))


# what a NotFound names (platform.errors.NotFound(entity, key)): its zh-CN message would otherwise read
# "未找到complaint：12" on a Chinese page; the error page words it "未找到投诉：12" (issue #21 finding 8)
ENTITY_TERMS = {
    "enterprise": "企业", "category": "类别", "product": "产品", "user": "用户", "standard": "标准",
    "organization": "组织机构", "certificate": "证书", "alert": "风险警示", "signal": "风险信号", "plan": "抽查计划",
    "job": "后台任务", "batch": "抽样批次", "recall": "召回", "lab": "检验机构", "evaluation": "评定", "draw": "抽取记录",
    "declaration": "标准声明", "complaint": "投诉举报", "code": "码", "attachment": "附件", "assessment": "风险评估",
    "announcement": "公告", "ruleset": "规则集", "report": "检验报告", "notification": "通知", "lot": "批次",
    "listing": "在列产品", "indicator": "检验项目", "gtin": "商品条码", "followup": "后处理", "code_batch": "码批次",
    "comparative_test": "比较试验", "application": "申报", "equipment_unit": "特种设备", "credit_listing": "信用名单",
    "enforcement_case": "执法案件", "campaign": "活动", "course": "课程", "exam": "考试",
}


def not_found_zh(entity: str, key: str) -> str:
    """The zh-CN message of a NotFound with the entity by its name (记录 when it has none here)."""
    return f"未找到{ENTITY_TERMS.get(entity, '记录')}：{key}"
