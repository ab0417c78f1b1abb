"""输出转义 — one escaping function per output format, so user text can never become markup there.

- `pdf_text`: ReportLab paragraph markup (`Paragraph(...)` parses a small XML dialect: `<img src=...>`
  would embed a file from the server's disk, a stray `<` raises). Also breaks very long unbroken runs so
  a table cell cannot overflow the page.
- `xml_text` / `xml_attr`: SVG and other XML, element text and (double- or single-quoted) attribute values;
  characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are dropped.
- `plot_text`: a Matplotlib label (title, tick, legend): `$` would start mathtext (a parse error is a 500),
  controls and lone surrogates crash the font renderer; long labels are cut.
- `mail_header`: an e-mail header value (subject, display name): no CR/LF (header injection), no controls.
- `mail_body`: an e-mail's text body: line breaks kept, controls and lone surrogates (which stop the message
  from being encoded at all) dropped.
- `plain_text`: one line for a canvas-drawn label or document metadata (nothing is interpreted there, but the
  PDF writer cannot encode lone surrogates).
One-line texts also lose the bidirectional controls (U+202A–202E, U+2066–2069, U+200E/F): an override would
show a label's or subject's characters in another order than stored (Trojan-source style spoofing).
- CSV/Excel cells: `zhijian.platform.tabular.escape_cell` (formula injection), re-exported as `csv_cell`.
"""

from __future__ import annotations

import re
from typing import Any

from zhijian.platform.tabular import escape_cell as csv_cell

__all__ = ["csv_cell", "mail_body", "mail_header", "pdf_text", "plain_text", "plot_text", "xml_attr", "xml_text"]

# Not allowed in XML 1.0 documents (https://www.w3.org/TR/xml/#charsets), and C1 controls besides.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                       "\ud800-\udfff\ufffe\uffff]")
_BODY_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LONG_RUN = 60  # characters without a break opportunity before one is inserted (PDF only)
_RUN = re.compile(r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]{" + str(_LONG_RUN + 1) + ",}")


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def xml_text(value: Any) -> str:
    """Text content of an XML/SVG element."""
    s = _XML_BAD.sub("", _str(value))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(value: Any) -> str:
    """An XML/SVG attribute value, safe inside either quote character; newlines kept as character references."""
    return (xml_text(value).replace('"', "&quot;").replace("'", "&#x27;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def pdf_text(value: Any, *, max_length: int | None = None) -> str:
    """Plain text for a ReportLab `Paragraph`: never markup; line breaks become `<br/>`.

    `max_length` cuts text for table cells (a row taller than a page cannot be laid out)."""
    s = _XML_BAD.sub("", _str(value).replace("\r\n", "\n").replace("\r", "\n")).replace("\t", " ")
    if max_length is not None and len(s) > max_length:
        s = s[:max_length - 1] + "…"
    # a zero-width space lets ReportLab wrap a run of letters/digits that has no break opportunity
    s = _RUN.sub(lambda m: "\u200b".join(m.group(0)[i:i + _LONG_RUN] for i in range(0, len(m.group(0)), _LONG_RUN)), s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\n", "<br/>")


def plain_text(value: Any, *, max_length: int = 200) -> str:
    """One line of plain text for document metadata (PDF title/author): no controls, no lone surrogates (the PDF
    writer cannot encode them), no markup meaning — nothing is escaped because nothing is interpreted."""
    s = " ".join(_CONTROLS.sub(" ", _str(value)).split())
    return s if len(s) <= max_length else s[:max_length - 1] + "…"


def plot_text(value: Any, *, max_length: int = 60) -> str:
    """A Matplotlib text: plain (no mathtext), one line, no characters the font renderer refuses."""
    s = " ".join(_CONTROLS.sub(" ", _str(value)).split())
    if len(s) > max_length:
        s = s[:max_length - 1] + "…"
    return s.replace("\\", "\\\\").replace("$", r"\$")


def mail_header(value: Any, *, max_length: int = 200) -> str:
    """An e-mail header value on one line (CR, LF and other controls become spaces), bounded in length."""
    s = " ".join(_CONTROLS.sub(" ", _str(value)).split())
    return s[:max_length]


def mail_body(value: Any, *, max_length: int = 100_000) -> str:
    """An e-mail's plain-text body: lines kept (CRLF normalised), controls and lone surrogates dropped."""
    s = _BODY_BAD.sub("", _str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return s[:max_length]
