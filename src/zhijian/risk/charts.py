"""看板图表 — server-side SVG (hand-built, no JavaScript, no CDN), labelled in the page's language.

Text is emitted as SVG <text> in a CJK font stack (Noto Sans CJK SC is installed by scripts/system-deps.sh);
colours are presentation attributes, not inline styles, so the console's CSP holds. Every label goes through the
`_` the page passes (zh-CN source strings, English in risk/locale/en.po); category and region names come labelled
in the page's language. Every text is at least `MIN_FONT` (12) user units and the SVG's width and height are its
viewBox's, so it is shown at scale 1 — 12 px on the page (issue #21 finding 13); a narrow column scrolls it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy  # its submodules load on first use (scipy.stats costs ~0.7 s at every start of the CLI and server)

from zhijian.platform.escape import xml_attr
from zhijian.platform.escape import xml_text as escape

FONT = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','Microsoft YaHei',sans-serif"
MIN_FONT = 12
Gettext = Callable[..., str]


def _same(message: str, **kwargs: object) -> str:
    return message.format(**kwargs) if kwargs else message


def _fit(text: str, width: float, size: int = MIN_FONT) -> str:
    """`text` cut to what fits in `width` px at `size` (a Han character ≈ 1 em, a Latin one ≈ 0.6 em)."""
    used, out = 0.0, list[str]()
    for ch in text:
        used += size if ord(ch) > 0x2E7F else size * 0.6
        if used > width:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text


def _t(x: float, y: float, text: str, size: int = MIN_FONT, anchor: str = "start", fill: str = "#333",
       rotate: float | None = None) -> str:
    size = max(size, MIN_FONT)
    rot = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f' font-family="{FONT}"{rot}>{escape(str(text))}</text>')


def _svg(w: int, h: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{xml_attr(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def _heat_colour(rate: float, vmax: float) -> str:
    """White → amber → red, by the rate relative to the largest rate shown."""
    f = 0.0 if vmax <= 0 else min(max(rate / vmax, 0.0), 1.0)
    if f < 0.5:
        g = f / 0.5
        r, gg, b = 255, int(255 - 64 * g), int(255 - 200 * g)
    else:
        g = (f - 0.5) / 0.5
        r, gg, b = int(255 - 55 * g), int(191 - 160 * g), int(55 - 25 * g)
    return f"#{r:02x}{gg:02x}{b:02x}"


def heatmap_svg(cells: Sequence[dict[str, Any]], *, title: str = "不合格率热力图（近 12 个月，类别 × 地区）",
                max_rows: int = 14, max_cols: int = 12, _: Gettext = _same) -> str:
    """cells: {category, region_name, x, n}. Rows and columns are the largest categories and regions by n."""
    title = _(title)
    if not cells:
        return _svg(600, 60, [_t(10, 35, _("暂无抽查数据"))], title)
    by_cat: dict[str, int] = {}
    by_reg: dict[str, int] = {}
    for c in cells:
        by_cat[c["category"]] = by_cat.get(c["category"], 0) + c["n"]
        by_reg[c["region_name"]] = by_reg.get(c["region_name"], 0) + c["n"]
    rows = sorted(by_cat, key=lambda k: -by_cat[k])[:max_rows]
    cols = sorted(by_reg, key=lambda k: -by_reg[k])[:max_cols]
    grid = {(c["category"], c["region_name"]): c for c in cells}
    rates = [c["x"] / c["n"] for c in cells if c["n"] and c["category"] in rows and c["region_name"] in cols]
    vmax = max(rates) if rates else 0.0
    cw, ch, left, top = 72, 28, 200, 74
    w, h = max(left + cw * len(cols) + 20, 600), top + ch * len(rows) + 44
    body = [_t(10, 20, title, 14, fill="#111")]
    for j, reg in enumerate(cols):
        body.append(_t(left + cw * j + cw / 2, top - 10, _fit(reg, cw - 4), anchor="middle"))
    for i, cat in enumerate(rows):
        y = top + ch * i
        body.append(_t(left - 6, y + ch / 2 + 4, _fit(cat, left - 16), anchor="end"))
        for j, reg in enumerate(cols):
            x = left + cw * j
            cell = grid.get((cat, reg))
            if cell is None or not cell["n"]:
                body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="#f3f3f3"/>')
                continue
            rate = cell["x"] / cell["n"]
            body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{_heat_colour(rate, vmax)}">'
                        f'<title>{escape(cat)} · {escape(reg)}{escape(_("："))}{cell["x"]}/{cell["n"]} = {rate:.1%}</title>'
                        '</rect>')
            body.append(_t(x + (cw - 2) / 2, y + ch / 2 + 4, f"{rate:.1%}", anchor="middle"))
    body.append(_t(10, h - 14, _("颜色：白 = 0，红 = {vmax}（图中最高）；灰 = 无数据", vmax=f"{vmax:.1%}"), fill="#555"))
    return _svg(w, h, body, title)


def _rate_grid(x0: float, x1: float, vmax: float, py: Callable[[float], float]) -> list[str]:
    """Five horizontal grid lines from 0 to `vmax` with their rate labels (trend and funnel charts)."""
    out = []
    for k in range(5):
        v = vmax * k / 4
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#eee"/>')
        out.append(_t(x0 - 4, py(v) + 4, f"{v:.0%}" if vmax >= 0.1 else f"{v:.1%}", anchor="end", fill="#666"))
    return out


def trend_svg(months: Sequence[str], x: Sequence[int], n: Sequence[int], p0: float, *, label: str,
              markers: Sequence[tuple[str, str]] = (), _: Gettext = _same) -> str:
    """One series' monthly non-conformity rate with the target line and signal markers (period, method)."""
    w, h, left, right, top, bottom = 560, 238, 56, 12, 32, 60
    rates = [xi / ni if ni else None for xi, ni in zip(x, n, strict=True)]
    vals = [r for r in rates if r is not None] + [p0]
    vmax = max(vals) * 1.15 if vals and max(vals) > 0 else 0.1
    T = len(months)

    def px(i: int) -> float:
        return left + (w - left - right) * (i / max(T - 1, 1))

    def py(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / vmax)

    title = _("趋势：{label}", label=label)
    body = [_t(8, 18, _fit(title, w - 16, 13), 13, fill="#111"), *_rate_grid(left, w - right, vmax, py)]
    body.append(f'<line x1="{left}" x2="{w - right}" y1="{py(p0):.1f}" y2="{py(p0):.1f}" stroke="#1f77b4" '
                f'stroke-dasharray="4 3"/>')
    body.append(_t(w - right, py(p0) - 4, _("全国 {rate}", rate=f"{p0:.1%}"), anchor="end", fill="#1f77b4"))
    pts = [(px(i), py(r)) for i, r in enumerate(rates) if r is not None]
    if pts:
        body.append('<polyline fill="none" stroke="#444" stroke-width="1.5" points="'
                    + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
    colon = escape(_("："))
    for i, r in enumerate(rates):
        if r is not None:
            body.append(f'<circle cx="{px(i):.1f}" cy="{py(r):.1f}" r="2.2" fill="#444"><title>{escape(months[i])}{colon}'
                        f'{x[i]}/{n[i]}</title></circle>')
    idx = {m: i for i, m in enumerate(months)}
    for period, method in markers:
        mi = idx.get(period)
        rate = rates[mi] if mi is not None else None
        if mi is None or rate is None:
            continue
        body.append(f'<path d="M{px(mi):.1f},{py(rate) - 12:.1f} l-5,-8 h10 z" fill="#d62728">'
                    f'<title>{escape(_("{period} 信号：{method}", period=period, method=method))}</title></path>')
    step = max(1, -(-T // 5))
    for i in range(0, T, step):
        body.append(_t(px(i), h - bottom + 16, months[i], anchor="middle", fill="#666"))
    body.append(_t(8, h - 24, _("实线：月度不合格率；虚线：全国（类别）平均"), fill="#555"))
    body.append(_t(8, h - 6, _("红色三角：信号"), fill="#d62728"))
    return _svg(w, h, body, title)


def funnel_svg(points: Sequence[dict[str, Any]], target: float, tau2: float, *, label: str,
               _: Gettext = _same) -> str:
    """Funnel plot (Spiegelhalter 2005): rate against number of batches, 95 % and 99.8 % limits around the
    target, widened by the random-effects τ² when the units are overdispersed."""
    w, h, left, right, top, bottom = 560, 290, 56, 16, 32, 62
    if not points:
        return _svg(w, 60, [_t(10, 35, _("暂无数据"))], label)
    nmax = float(max(p["n"] for p in points)) * 1.1
    rates = [p["x"] / p["n"] for p in points]
    grid = np.linspace(max(1.0, nmax / 200), nmax, 120)
    lim = {}
    for lvl in (0.95, 0.998):
        zq = scipy.stats.norm.ppf(0.5 + lvl / 2)
        s = np.sqrt(target * (1 - target) / grid + tau2)
        lim[lvl] = (np.maximum(target - zq * s, 0), np.minimum(target + zq * s, 1))
    vmax = min(1.0, max(max(rates), float(lim[0.998][1][len(grid) // 10])) * 1.1) or 0.1

    def px(nv: float) -> float:
        return left + (w - left - right) * nv / nmax

    def py(v: float) -> float:
        return top + (h - top - bottom) * (1 - min(v, vmax) / vmax)

    title = _("漏斗图：{label}", label=label)
    body = [_t(8, 20, _fit(title, w - 16, 13), 13, fill="#111"), *_rate_grid(left, w - right, vmax, py)]
    body.append(f'<line x1="{left}" x2="{w - right}" y1="{py(target):.1f}" y2="{py(target):.1f}" stroke="#1f77b4"/>')
    for lvl, dash in ((0.95, "4 3"), (0.998, "")):
        for side in (0, 1):
            pts = " ".join(f"{px(g):.1f},{py(v):.1f}" for g, v in zip(grid, lim[lvl][side], strict=True))
            d = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline fill="none" stroke="#999"{d} points="{pts}"/>')
    colon = escape(_("："))
    for p, r in zip(points, rates, strict=True):
        colour = "#d62728" if p.get("alarm") else "#444"
        body.append(f'<circle cx="{px(p["n"]):.1f}" cy="{py(r):.1f}" r="3.5" fill="{colour}"><title>'
                    f'{escape(str(p.get("label", "")))}{colon}{p["x"]}/{p["n"]} = {r:.1%}</title></circle>')
        if p.get("alarm"):
            body.append(_t(px(p["n"]) + 5, py(r) - 5, _fit(str(p.get("label", "")), 80), fill="#d62728"))
    for k in range(5):
        nv = nmax * k / 4
        body.append(_t(px(nv), h - bottom + 16, f"{math.floor(nv)}", anchor="middle", fill="#666"))
    body.append(_t(8, h - 24, _("横轴：抽查批次；实线：全国 {rate}", rate=f"{target:.1%}"), fill="#555"))
    body.append(_t(8, h - 6, _("虚线 95%、实线 99.8% 控制限") + (_("（已按过度离散校正）") if tau2 > 0 else ""),
                   fill="#555"))
    return _svg(w, h, body, title)


def weekly_svg(weeks: Sequence[str], totals: Sequence[int], *, title: str = "每周投诉举报数量（近 26 周）",
               _: Gettext = _same) -> str:
    title = _(title)
    w, h, left, bottom, top = 560, 180, 44, 34, 30
    vmax = max(max(totals, default=0), 1) * 1.15
    bw = (w - left - 10) / max(len(totals), 1)
    body = [_t(8, 18, title, 13, fill="#111")]
    colon = escape(_("："))
    for i, v in enumerate(totals):
        bh = (h - top - bottom) * v / vmax
        body.append(f'<rect x="{left + i * bw:.1f}" y="{h - bottom - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" '
                    f'fill="#7f9fbf"><title>{escape(weeks[i]) if i < len(weeks) else ""}{colon}{v}</title></rect>')
    for i in range(0, len(weeks), max(1, -(-len(weeks) // 5))):
        body.append(_t(left + i * bw, h - bottom + 16, weeks[i], anchor="start", fill="#666"))
    body.append(_t(left - 4, top + 8, f"{int(vmax)}", anchor="end", fill="#666"))
    return _svg(w, h, body, title)
