"""看板图表 — server-side SVG (hand-built, no JavaScript, no CDN), labelled in Chinese.

Text is emitted as SVG <text> in a CJK font stack (Noto Sans CJK SC is installed by scripts/system-deps.sh);
colours are presentation attributes, not inline styles, so the console's CSP holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from zhijian.platform.escape import xml_attr
from zhijian.platform.escape import xml_text as escape

FONT = "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','Microsoft YaHei',sans-serif"


def _t(x: float, y: float, text: str, size: int = 11, anchor: str = "start", fill: str = "#333",
       rotate: float | None = None) -> str:
    rot = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f' font-family="{FONT}"{rot}>{escape(str(text))}</text>')


def _svg(w: int, h: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
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
                max_rows: int = 14, max_cols: int = 12) -> str:
    """cells: {category, region_name, x, n}. Rows and columns are the largest categories and regions by n."""
    if not cells:
        return _svg(600, 60, [_t(10, 35, "暂无抽查数据")], title)
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
    cw, ch, left, top = 62, 26, 150, 70
    w, h = left + cw * len(cols) + 20, top + ch * len(rows) + 40
    body = [_t(10, 18, title, 13, fill="#111")]
    for j, reg in enumerate(cols):
        body.append(_t(left + cw * j + cw / 2, top - 8, reg[:6], 11, "middle"))
    for i, cat in enumerate(rows):
        y = top + ch * i
        body.append(_t(left - 6, y + ch / 2 + 4, cat[:10], 11, "end"))
        for j, reg in enumerate(cols):
            x = left + cw * j
            cell = grid.get((cat, reg))
            if cell is None or not cell["n"]:
                body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="#f3f3f3"/>')
                continue
            rate = cell["x"] / cell["n"]
            body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="{_heat_colour(rate, vmax)}">'
                        f'<title>{escape(cat)} · {escape(reg)}：{cell["x"]}/{cell["n"]} = {rate:.1%}</title></rect>')
            body.append(_t(x + (cw - 2) / 2, y + ch / 2 + 3, f"{rate:.1%}", 10, "middle"))
    body.append(_t(10, h - 12, f"颜色：白 = 0，红 = {vmax:.1%}（图中最高）；灰 = 无数据", 10, fill="#666"))
    return _svg(w, h, body, title)


def _rate_grid(x0: float, x1: float, vmax: float, py: Callable[[float], float]) -> list[str]:
    """Five horizontal grid lines from 0 to `vmax` with their rate labels (trend and funnel charts)."""
    out = []
    for k in range(5):
        v = vmax * k / 4
        out.append(f'<line x1="{x0}" x2="{x1}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#eee"/>')
        out.append(_t(x0 - 4, py(v) + 4, f"{v:.0%}" if vmax >= 0.1 else f"{v:.1%}", 9, "end", "#777"))
    return out


def trend_svg(months: Sequence[str], x: Sequence[int], n: Sequence[int], p0: float, *, label: str,
              markers: Sequence[tuple[str, str]] = ()) -> str:
    """One series' monthly non-conformity rate with the target line and signal markers (period, method)."""
    w, h, left, right, top, bottom = 560, 200, 48, 12, 28, 34
    rates = [xi / ni if ni else None for xi, ni in zip(x, n, strict=True)]
    vals = [r for r in rates if r is not None] + [p0]
    vmax = max(vals) * 1.15 if vals and max(vals) > 0 else 0.1
    T = len(months)

    def px(i: int) -> float:
        return left + (w - left - right) * (i / max(T - 1, 1))

    def py(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / vmax)

    title = f"趋势：{label}"
    body = [_t(8, 16, title, 12, fill="#111"), *_rate_grid(left, w - right, vmax, py)]
    body.append(f'<line x1="{left}" x2="{w - right}" y1="{py(p0):.1f}" y2="{py(p0):.1f}" stroke="#1f77b4" '
                f'stroke-dasharray="4 3"/>')
    body.append(_t(w - right, py(p0) - 4, f"全国 {p0:.1%}", 9, "end", "#1f77b4"))
    pts = [(px(i), py(r)) for i, r in enumerate(rates) if r is not None]
    if pts:
        body.append('<polyline fill="none" stroke="#444" stroke-width="1.5" points="'
                    + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
    for i, r in enumerate(rates):
        if r is not None:
            body.append(f'<circle cx="{px(i):.1f}" cy="{py(r):.1f}" r="2.2" fill="#444"><title>{escape(months[i])}：'
                        f'{x[i]}/{n[i]}</title></circle>')
    idx = {m: i for i, m in enumerate(months)}
    for period, method in markers:
        mi = idx.get(period)
        rate = rates[mi] if mi is not None else None
        if mi is None or rate is None:
            continue
        body.append(f'<path d="M{px(mi):.1f},{py(rate) - 12:.1f} l-5,-8 h10 z" fill="#d62728">'
                    f'<title>{escape(period)} 信号：{escape(method)}</title></path>')
    step = max(1, T // 6)
    for i in range(0, T, step):
        body.append(_t(px(i), h - bottom + 14, months[i], 9, "middle", "#777"))
    body.append(_t(left, h - 4, "实线：月度不合格率；虚线：全国（类别）平均；红色三角：信号", 9, fill="#666"))
    return _svg(w, h, body, title)


def funnel_svg(points: Sequence[dict[str, Any]], target: float, tau2: float, *, label: str) -> str:
    """Funnel plot (Spiegelhalter 2005): rate against number of batches, 95 % and 99.8 % limits around the
    target, widened by the random-effects τ² when the units are overdispersed."""
    w, h, left, right, top, bottom = 560, 260, 52, 16, 30, 40
    if not points:
        return _svg(w, 60, [_t(10, 35, "暂无数据")], label)
    nmax = float(max(p["n"] for p in points)) * 1.1
    rates = [p["x"] / p["n"] for p in points]
    grid = np.linspace(max(1.0, nmax / 200), nmax, 120)
    lim = {}
    for lvl in (0.95, 0.998):
        zq = stats.norm.ppf(0.5 + lvl / 2)
        s = np.sqrt(target * (1 - target) / grid + tau2)
        lim[lvl] = (np.maximum(target - zq * s, 0), np.minimum(target + zq * s, 1))
    vmax = min(1.0, max(max(rates), float(lim[0.998][1][len(grid) // 10])) * 1.1) or 0.1

    def px(nv: float) -> float:
        return left + (w - left - right) * nv / nmax

    def py(v: float) -> float:
        return top + (h - top - bottom) * (1 - min(v, vmax) / vmax)

    title = f"漏斗图：{label}"
    body = [_t(8, 18, title, 12, fill="#111"), *_rate_grid(left, w - right, vmax, py)]
    body.append(f'<line x1="{left}" x2="{w - right}" y1="{py(target):.1f}" y2="{py(target):.1f}" stroke="#1f77b4"/>')
    for lvl, dash in ((0.95, "4 3"), (0.998, "")):
        for side in (0, 1):
            pts = " ".join(f"{px(g):.1f},{py(v):.1f}" for g, v in zip(grid, lim[lvl][side], strict=True))
            d = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline fill="none" stroke="#999"{d} points="{pts}"/>')
    for p, r in zip(points, rates, strict=True):
        colour = "#d62728" if p.get("alarm") else "#444"
        body.append(f'<circle cx="{px(p["n"]):.1f}" cy="{py(r):.1f}" r="3.5" fill="{colour}"><title>'
                    f'{escape(str(p.get("label", "")))}：{p["x"]}/{p["n"]} = {r:.1%}</title></circle>')
        if p.get("alarm"):
            body.append(_t(px(p["n"]) + 5, py(r) - 5, str(p.get("label", ""))[:6], 9, fill="#d62728"))
    for k in range(5):
        nv = nmax * k / 4
        body.append(_t(px(nv), h - bottom + 14, f"{math.floor(nv)}", 9, "middle", "#777"))
    body.append(_t(left, h - 6, f"横轴：抽查批次；实线：全国 {target:.1%}；虚线 95%、实线 99.8% 控制限"
                   + ("（已按过度离散校正）" if tau2 > 0 else ""), 9, fill="#666"))
    return _svg(w, h, body, title)


def weekly_svg(weeks: Sequence[str], totals: Sequence[int], *, title: str = "每周投诉举报数量（近 26 周）") -> str:
    w, h, left, bottom, top = 560, 160, 40, 30, 26
    vmax = max(max(totals, default=0), 1) * 1.15
    bw = (w - left - 10) / max(len(totals), 1)
    body = [_t(8, 16, title, 12, fill="#111")]
    for i, v in enumerate(totals):
        bh = (h - top - bottom) * v / vmax
        body.append(f'<rect x="{left + i * bw:.1f}" y="{h - bottom - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" '
                    f'fill="#7f9fbf"><title>{escape(weeks[i]) if i < len(weeks) else ""}：{v}</title></rect>')
    for i in range(0, len(weeks), max(1, len(weeks) // 5)):
        body.append(_t(left + i * bw, h - bottom + 14, weeks[i], 9, "start", "#777"))
    body.append(_t(left - 4, top + 8, f"{int(vmax)}", 9, "end", "#777"))
    return _svg(w, h, body, title)
