"""What the stable pages say in the visitor's language about stored values (issue #21 finding 8): the certificate
check's reason sentence, 公告编号, how an inspection matched a product, and stored free text marked with its
language. The API keeps its Chinese `reason` (`VerificationOut`); the page builds its own from the same facts."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from zhijian.stable.schemas import VerificationOut

Gettext = Callable[..., str]
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ANN_NO = re.compile(r"(\d{4})年第(\d+)号")
# the sentence service/flags.py writes when a final 不合格 flags a listing (stored rows hold only this zh text)
_FLAG = re.compile(r"监督抽查最终判定不合格（(?:批次 ([^，]+)，)?(?:报告 ([^，]+)，)?不合格项目：(.*)）")
_UPHELD = "；复核维持："


def free(text: object) -> Markup:
    """Stored free text as typed; in `<span lang="zh-CN">` when it holds Han characters (a committee's reason,
    an announcement's title, an item name), so the English page and a screen reader know it is Chinese."""
    value = "" if text is None else str(text)
    return Markup('<span lang="zh-CN">{}</span>').format(value) if _HAN.search(value) else Markup(escape(value))


def ann_no(text: str | None, _: Gettext) -> str:
    """"2026年第1号" in the page's language ("No. 1 of 2026"); other text as it is."""
    m = _ANN_NO.fullmatch(text or "")
    return _("{year}年第{number}号", year=m.group(1), number=m.group(2)) if m else (text or "")


def _sentence(_: Gettext, msgid: str, **parts: object) -> Markup:
    return Markup(escape(_(msgid))).format(**parts)


def flag_reason(reason: str, _: Gettext) -> Markup:
    """A listing's 复核 reason: the sentence the flag wrote, in the page's language, then any 复核维持 note as typed."""
    first, _sep, upheld = reason.partition(_UPHELD)
    m = _FLAG.fullmatch(first)
    if m is None:
        out = free(first)
    else:
        where = Markup("").join(
            [_sentence(_, "批次 {batch}，", batch=m.group(1))] if m.group(1) else []) + Markup("").join(
            [_sentence(_, "报告 {report}，", report=m.group(2))] if m.group(2) else [])
        out = _sentence(_, "监督抽查最终判定不合格（{where}不合格项目：{items}）", where=where, items=free(m.group(3)))
    if upheld:
        out += _sentence(_, "；复核维持：{note}", note=free(upheld))
    return out


def verification_reason(result: VerificationOut, _: Gettext) -> Markup:
    """Why a certificate is valid, under review, expired or revoked, in the page's language."""
    if result.state == "valid":
        return _sentence(_, "列入{no}公告，有效期至 {date}", no=ann_no(result.announcement_no, _),
                         date=str(result.valid_until))
    if result.state == "under_review":
        return _sentence(_, "资格复核中：{reason}", reason=flag_reason(result.reason.removeprefix("资格复核中："), _))
    if result.state == "expired":
        return _sentence(_, "有效期已于 {date} 届满", date=str(result.valid_until))
    if result.state == "revoked":
        return _sentence(_, "资格已撤销：{reason}", reason=free(result.reason.removeprefix("资格已撤销：")))
    return free(result.reason)


def match_label(code: str, _: Gettext) -> str:
    """How an inspection record belongs to the product (`rules.match_inspection`): product_id, exact,
    "similar 0.89", "alias exact", "alias similar 0.89"."""
    alias = code.startswith("alias ")
    kind = code.removeprefix("alias ")
    if kind == "product_id":
        return _("同一产品")
    if kind == "exact":
        return _("别名型号一致") if alias else _("型号一致")
    if kind.startswith("similar "):
        score = kind.removeprefix("similar ")
        return _("别名型号相似（相似度 {score}）", score=score) if alias else _("型号相似（相似度 {score}）", score=score)
    return code
