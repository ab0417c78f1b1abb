"""Compressed GS1 Digital Link URIs (压缩数字链接): the reversible binary compression of the GS1 Digital Link
standard (DL 1.1 §8 "Compression of GS1 Digital Link URIs", confirmed with additions in DL 1.2; the algorithm of
GS1's compression prototype and of the GS1 Resolver CE's `?compress=true`).

The element strings become one bit string, written in the URI-safe base64 alphabet (RFC 4648 §5, no padding):
for each AI its digits as 4-bit nibbles — or one hex pair of the standard's optimisation table standing for a
common AI sequence (`0B` = (01)+(10)…) — then its value by the AI's format components (table F): a fixed-length
numeric as one binary number of ⌈n·log₂10⌉ bits, a variable-length numeric after its digit count, an
alphanumeric as a 3-bit encoding (0 digits, 1 lower-case hex, 2 upper-case hex, 3 base64 alphabet, 4 ASCII
7-bit) and, when variable, its length. Nibble `F` starts a non-GS1 `key=value` pair. The AI formats come from
`biip`'s AI dictionary (GS1 Barcode Syntax Dictionary); only the optimisation table is the standard's own here.

`decompress(token)` → the (AI, value) pairs and other parameters; `compress(pairs)` → the token. Pure."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from zhijian.platform.errors import DomainError

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_HEX = "0123456789ABCDEF"
_SIX_BITS = {c: format(i, "06b") for i, c in enumerate(ALPHABET)}

# The standard's optimisation table: one hex pair outside 00–99 for a frequent AI sequence, encoded in this order.
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"), "0E": ("01", "7003"),
    "0F": ("01", "30"), "1A": ("01", "10", "21", "17"), "1B": ("01", "15"), "1C": ("01", "11"),
    "1D": ("01", "16"), "1E": ("01", "91"), "1F": ("01", "10", "15"),
    **{f"2{h}": ("01", f"310{i}") for i, h in enumerate("ABCDEF")},
    **{f"3{h}": ("01", f"320{i}") for i, h in enumerate("ABCDEF")},
    "9A": ("8010", "8011"), "9B": ("8017", "8019"), "9C": ("8018", "8019"), "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{h}": ("255", f"394{i}") for i, h in enumerate("ABCD")},
}


def _bad(zh: str, en: str) -> DomainError:
    return DomainError("trace.invalid_uri", f"压缩数字链接无效：{zh}", f"invalid compressed Digital Link: {en}",
                       field="uri", status=400)


@dataclass(frozen=True)
class Part:
    """One component of an AI's value: numeric (`N`) or alphanumeric (`X`), fixed `length` or variable up to it."""

    kind: str
    length: int
    fixed: bool


@cache
def parts_of(ai: str) -> tuple[Part, ...]:
    """The value components of an AI from its GS1 format (`N2+N13[+X..17]` → N13, X..17); consecutive fixed
    numerics are one (`N4+N14+N2+N2` → N18, as the standard's table F has it); an optional fixed part is variable."""
    try:
        fmt = GS1ApplicationIdentifier.extract(ai).format
    except ParseError:
        raise _bad(f"未知的 AI ({ai})", f"unknown AI ({ai})") from None
    out: list[Part] = []
    inside = False  # within `[…]`: the components there are optional
    for comp in fmt.split("+")[1:]:
        optional = inside or comp.startswith("[")
        inside = (optional or comp.endswith("[")) and not comp.endswith("]")
        comp = comp.strip("[]")
        m = re.fullmatch(r"([NXYZ])(\.\.)?(\d+)", comp) or re.fullmatch(r"N(\d)\.\.N(\d+)", comp)
        if comp == "-":
            out.append(Part("X", 1, False))
            continue
        if m is None:
            raise _bad(f"AI ({ai}) 的格式 {fmt} 不能压缩", f"AI ({ai}) format {fmt} cannot be compressed")
        if m.re.pattern.startswith("N(\\d)"):
            out.append(Part("N", int(m.group(2)), False))
            continue
        kind = "N" if m.group(1) == "N" else "X"
        part = Part(kind, int(m.group(3)), not m.group(2) and not optional)
        if part.fixed and kind == "N" and out and out[-1].fixed and out[-1].kind == "N":
            out[-1] = Part("N", out[-1].length + part.length, True)
        else:
            out.append(part)
    return tuple(out)


@cache
def _ai_length(prefix: str) -> int | None:
    """Table P: how many digits an AI starting with these two has (2, 3 or 4); None for an unassigned range."""
    for n in (2, 3, 4):
        for tail in ("", *(str(i) for i in range(10)), *(f"{i}{j}" for i in range(10) for j in range(10))):
            code = prefix + tail
            if len(code) == n:
                try:
                    if GS1ApplicationIdentifier.extract(code).ai == code:
                        return n
                except ParseError:
                    continue
    return None


def value_bits(digits: int) -> int:
    return math.ceil(digits * math.log(10) / math.log(2) + 0.01)


def length_bits(maximum: int) -> int:
    return math.ceil(math.log(maximum) / math.log(2) + 0.01)


# ---------------------------------------------------------------- encoding


def _encoding(text: str) -> int:
    if text.isdigit() and text.isascii():
        return 0
    if re.fullmatch(r"[0-9A-F]+", text):
        return 2
    if re.fullmatch(r"[0-9a-f]+", text):
        return 1
    if TOKEN.fullmatch(text):
        return 3
    return 4


def _chars(text: str, enc: int) -> str:
    if enc == 0:
        return format(int(text or "0"), "b").zfill(value_bits(len(text)))  # no digits: still ⌈0.01⌉ = 1 bit
    if enc in (1, 2):
        return "".join(format(_HEX.index(c.upper()), "04b") for c in text)
    if enc == 3:
        return "".join(_SIX_BITS[c] for c in text)
    if any(ord(c) > 127 for c in text):
        raise _bad(f"值「{text}」含非 ASCII 字符", f"value {text!r} has non-ASCII characters")
    return "".join(format(ord(c), "07b") for c in text)


def _value(ai: str, value: str) -> str:
    bits, rest = "", value
    for part in parts_of(ai):
        text, rest = (rest[:part.length], rest[part.length:]) if part.fixed else (rest, "")
        if part.kind == "N":
            if text and not text.isdigit():
                raise _bad(f"AI ({ai}) 的值「{value}」应为数字", f"AI ({ai}) value {value!r} must be numeric")
            if part.fixed:
                bits += format(int(text or "0"), "b").zfill(value_bits(part.length))
            else:
                bits += format(len(text), "b").zfill(length_bits(part.length)) + _chars(text, 0)
        else:
            enc = _encoding(text)
            size = "" if part.fixed else format(len(text), "b").zfill(length_bits(part.length))
            bits += format(enc, "03b") + size + _chars(text, enc)
    return bits


def _nibbles(code: str) -> str:
    return "".join(format(int(c, 16), "04b") for c in code)


def compress(pairs: dict[str, str], *, optimise: bool = True) -> str:
    """The base64url token of GS1 element strings (AI → value), with the standard's optimisations when asked."""
    keys = sorted(pairs)
    chosen: list[str] = []
    while optimise:
        fits = [(sum(len(a) for a in seq), code) for code, seq in OPTIMISATIONS.items() if set(seq) <= set(keys)]
        if not fits:
            break
        best = max(fits, key=lambda f: f[0])[1]  # the first of the longest, in table order (as GS1's prototype)
        chosen.append(best)
        keys = [k for k in keys if k not in OPTIMISATIONS[best]]
    bits = "".join(_nibbles(code) + "".join(_value(ai, pairs[ai]) for ai in OPTIMISATIONS[code]) for code in chosen)
    bits += "".join(_nibbles(ai) + _value(ai, pairs[ai]) for ai in keys)
    return _token(bits)


def _token(bits: str) -> str:
    """The bit string in the URI-safe base64 alphabet, zero-padded to whole characters (RFC 4648 §5 has the same
    alphabet, so the C encoder does it: padded to whole bytes' triples, then cut to the characters needed)."""
    chars = -(-len(bits) // 6)
    padded = bits + "0" * (-len(bits) % 24)
    raw = int(padded, 2).to_bytes(len(padded) // 8, "big") if padded else b""
    return base64.urlsafe_b64encode(raw).decode()[:chars]


def compressor(fixed: dict[str, str], ai: str) -> Callable[[str], str]:
    """Tokens of element strings that differ only in one AI's value (a batch's serials under one GTIN, lot and
    expiry): the other AIs' bits are computed once. Without optimisations (GS1 Resolver CE's default), so
    `compressor(fixed, ai)(v) == compress({**fixed, ai: v}, optimise=False)`."""
    before = "".join(_nibbles(k) + _value(k, fixed[k]) for k in sorted(fixed) if k < ai)
    after = "".join(_nibbles(k) + _value(k, fixed[k]) for k in sorted(fixed) if k > ai)
    head = before + _nibbles(ai)

    def token(value: str) -> str:
        return _token(head + _value(ai, value) + after)

    return token


# ---------------------------------------------------------------- decoding


class _Reader:
    def __init__(self, token: str) -> None:
        self.bits = "".join(format(ALPHABET.index(c), "06b") for c in token)
        self.at = 0

    def take(self, n: int) -> str:
        if self.at + n > len(self.bits):
            raise _bad("位串提前结束", "the bit string ends early")
        out = self.bits[self.at:self.at + n]
        self.at += n
        return out

    def number(self, n: int) -> int:
        return int(self.take(n), 2) if n else 0

    def text(self, enc: int, count: int) -> str:
        if enc == 0:
            number = str(self.number(value_bits(count))).zfill(count)
            return number if count else ""
        if enc in (1, 2):
            s = "".join(_HEX[self.number(4)] for _ in range(count))
            return s.lower() if enc == 1 else s
        if enc == 3:
            return "".join(ALPHABET[self.number(6)] for _ in range(count))
        if enc == 4:
            return "".join(chr(self.number(7)) for _ in range(count))
        raise _bad(f"未知的字符编码 {enc}", f"unknown character encoding {enc}")


def _read_value(r: _Reader, ai: str) -> str:
    out = ""
    for part in parts_of(ai):
        if part.kind == "N" and part.fixed:
            out += str(r.number(value_bits(part.length))).zfill(part.length)
        elif part.kind == "N":
            digits = r.number(length_bits(part.length))
            number = str(r.number(value_bits(digits))).zfill(digits)  # no digits: one bit is read all the same
            out += number if digits else ""
        else:
            enc = r.number(3)
            count = part.length if part.fixed else r.number(length_bits(part.length))
            out += r.text(enc, count)
    return out


@dataclass(frozen=True)
class Decompressed:
    """What a compressed token carries: GS1 element strings in order, and non-GS1 `key=value` pairs."""

    pairs: dict[str, str]
    other: dict[str, str]


def decompress(token: str) -> Decompressed:
    """The element strings of a compressed token; 400 (`trace.invalid_uri`) when it is not one."""
    if not TOKEN.fullmatch(token or ""):
        raise _bad(f"「{token}」不是 base64url 字符串", f"{token!r} is not a base64url string")
    r = _Reader(token)
    pairs: dict[str, str] = {}
    other: dict[str, str] = {}
    while len(r.bits) - r.at > 8:
        h1, h2 = _HEX[r.number(4)], _HEX[r.number(4)]
        if h1.isdigit() and h2.isdigit():
            n = _ai_length(h1 + h2)
            if n is None:
                raise _bad(f"AI 范围 {h1}{h2} 未分配", f"AI range {h1}{h2} is not assigned")
            ai = h1 + h2 + "".join(_HEX[r.number(4)] for _ in range(n - 2))
            if not ai.isdigit():
                raise _bad(f"AI {ai} 不是数字", f"AI {ai} is not all digits")
            seq: tuple[str, ...] = (ai,)
        elif h1 + h2 in OPTIMISATIONS:
            seq = OPTIMISATIONS[h1 + h2]
        elif h1 == "F":
            r.at -= 4
            size = r.number(7)
            key = "".join(ALPHABET[r.number(6)] for _ in range(size))
            enc = r.number(3)
            other[key] = r.text(enc, r.number(7))
            continue
        else:
            raise _bad(f"未定义的优化码 {h1}{h2}", f"no optimisation is defined for {h1}{h2}")
        for ai in seq:
            if ai in pairs:
                raise _bad(f"AI ({ai}) 出现了两次", f"AI ({ai}) appears twice")
            pairs[ai] = _read_value(r, ai)
    if "1" in r.bits[r.at:]:
        raise _bad("末尾有多余的位", "trailing bits are not padding")
    if not pairs:
        raise _bad("不含任何 GS1 应用标识符", "it carries no GS1 Application Identifier")
    return Decompressed(pairs, other)
