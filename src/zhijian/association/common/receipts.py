"""会费与培训费的缴费通知书和收款收据 (PDF) — one document per bill, laid out as the association's letter through
``platform.documents.official_pdf`` (信函格式, the embedded CJK font, seal slot of 代字 ``质检协``).

The amount is written in figures and in capitals (大写金额) after 中国人民银行《支付结算办法》附件《正确填写票据和结算
凭证的基本规定》: 壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分零整; 整 after an amount ending in 元; 零 for zeros between
digits (one 零 for a run, also across 万 and 亿); where 万位 or 元位 is 0 and the next digit is not, the rule allows
one 零 or none — we write it at 万/亿 (壹拾万零柒仟) and not after 元 (壹仟陆佰捌拾元叁角贰分), the rule's second form;
a 0 角 before a non-zero 分 is written 零 (壹万陆仟肆佰零玖元零贰分).

User text (payer, course title, payment reference) arrives as plain text: controls and lone surrogates are
dropped, characters the font cannot print become ``?``, and it is cut to length; ``official_pdf`` escapes what is
left (``platform.escape.pdf_text``), so markup such as ``<img src=…>`` prints as the characters it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from zhijian.platform.errors import DomainError
from zhijian.platform.escape import plain_text
from zhijian.platform.fonts import missing_glyphs

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")
ISSUER = "中国质量检验协会"
ISSUER_CODE = "质检协"


def rmb_upper(amount: float | Decimal | str) -> str:
    """人民币大写金额 of a non-negative amount in yuan, rounded to the fen (see the module docstring)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0 or value >= Decimal(10) ** 16:
        raise DomainError("association.receipt.bad_amount", "金额应为 0 至 10¹⁶ 元", "the amount is out of range",
                          field="amount")
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    out = _integer_upper(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"  # 0 角 before a non-zero 分
    return out + (DIGITS[fen] + "分" if fen else "")


def _integer_upper(n: int) -> str:
    digits = str(n)
    out: list[str] = []
    zero = False
    for i, ch in enumerate(digits):
        pos = len(digits) - 1 - i  # power of ten
        d = int(ch)
        if d == 0:
            zero = True
        else:
            if zero and out:
                out.append("零")
            zero = False
            out.append(DIGITS[d] + SMALL_UNITS[pos % 4])
        if pos % 4 == 0 and pos and int(digits[max(0, i - 3):i + 1] or "0"):
            out.append(GROUP_UNITS[pos // 4])  # 万/亿 after a group that is not all zeros
    return "".join(out)


def printable(value: Any, *, max_length: int = 200) -> str:
    """User text as one printable line: no controls, nothing the font lacks (→ ``?``), at most ``max_length``."""
    s = plain_text(value, max_length=max_length)
    missing = set(missing_glyphs(s))
    return "".join("?" if ch in missing else ch for ch in s)


@dataclass(frozen=True)
class Bill:
    """One bill of the association: 会费 of a year or 培训费 of a course, and whether (and how) it was paid."""

    number: str  # 缴费通知 number (HF2026000001, PX2026000001)
    payer: str
    item: str  # "2026 年度会费（理事单位）", "培训费：…"
    amount: float
    issued_on: dt.date
    due_on: dt.date | None = None
    paid_on: dt.date | None = None
    payment_ref: str = ""

    @property
    def kind(self) -> Literal["invoice", "receipt"]:
        return "receipt" if self.paid_on else "invoice"


def bill_pdf(bill: Bill) -> bytes:
    """缴费通知书 (unpaid) or 收款收据 (paid) as the association's letter."""
    from zhijian.platform.documents import Official, Organ, official_pdf

    payer, item = printable(bill.payer, max_length=120), printable(bill.item, max_length=160)
    figures = f"¥{Decimal(str(bill.amount)).quantize(Decimal('0.01')):,}"
    upper = rmb_upper(bill.amount)
    if bill.kind == "receipt":
        title, number = "收款收据", f"收据号：{bill.number}"
        body = [f"今收到 {payer} 交来 {item}，金额人民币（大写）{upper}（{figures}）。",
                f"收款日期：{bill.paid_on}。" + (f"付款凭证：{printable(bill.payment_ref, max_length=64)}。"
                                               if bill.payment_ref else ""),
                "本收据由协会秘书处开具，可在会员中心核对。"]
        issued_on = bill.paid_on
    else:
        title, number = "缴费通知书", f"通知号：{bill.number}"
        body = [f"{payer}：", f"请缴纳 {item}，金额人民币（大写）{upper}（{figures}）"
                + (f"，缴费截止日期 {bill.due_on}。" if bill.due_on else "。"),
                f"汇款时请注明通知号 {bill.number}；缴费后由秘书处开具收款收据。"]
        issued_on = bill.issued_on
    return official_pdf(Official(organ=Organ(name=ISSUER, code=ISSUER_CODE), title=title, number=number, body=body,
                                 issued_on=issued_on, form="letter", signer=f"{ISSUER}秘书处"))
