"""Plots of the statistics (图形) with matplotlib's Agg backend and Chinese labels.

Adapter-level: writes files. The CJK font comes from zhijian.platform.fonts (``ZHIJIAN_CJK_FONT`` or
Debian's fonts-noto-cjk, installed by scripts/system-deps.sh). Without one the plot is still drawn
and ``cjk_font`` in the result is None.

Text size (issue 21, finding 13 "tiny chart text"): every text is at least 12 CSS px as displayed. A plot is
shown at most this small: at the width of a PDF page's text block, the 版心 of GB/T 9704 (156 mm, as
``zhijian.platform.documents`` lays out A4), and on a page as an image that fills a column at least that wide (or at
its natural size, larger). So each figure is drawn about as wide as the 版心 and no text is set under ``MIN_PT``:
10.5 pt in a ≤ 6.6 in image shown 6.14 in wide is 10.5 × 96/72 × 6.14/6.6 ≈ 13 px. ``figure_*`` build the
figures (for tests and callers that embed them), ``plot_*`` save them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zhijian.platform.fonts import matplotlib_cjk_family, use_cjk_in_matplotlib  # noqa: E402
from zhijian.stats._validate import err  # noqa: E402

FORMATS = (".png", ".svg")
DPI = 120
SHOWN_WIDTH_MM = 156.0  # the narrowest a plot is shown at: the 版心 of GB/T 9704 (a PDF page's text width)
WIDTH_IN = 6.2  # a figure is drawn about as wide as it is shown (156 mm = 6.14 in)
MIN_PT = 10.5  # ticks, legends, annotations
LABEL_PT = 11.0
TITLE_PT = 12.0
_SIZES: dict[Any, Any] = {"font.size": LABEL_PT, "axes.titlesize": TITLE_PT, "axes.labelsize": LABEL_PT,
                          "xtick.labelsize": MIN_PT, "ytick.labelsize": MIN_PT, "legend.fontsize": MIN_PT,
                          "figure.titlesize": TITLE_PT + 1}


def cjk_font() -> str | None:
    """Family name of the CJK font used for Chinese labels (see zhijian.platform.fonts)."""
    return matplotlib_cjk_family()


def _setup() -> str | None:
    return use_cjk_in_matplotlib()


def _subplots(rows: int, height: float, **kw: Any) -> tuple[Any, Any]:
    """A figure WIDTH_IN wide whose every text (ticks drawn later included) is at least MIN_PT."""
    with matplotlib.rc_context(_SIZES):
        fig, axes = plt.subplots(rows, 1, figsize=(WIDTH_IN, height), **kw)
    for ax in np.atleast_1d(axes).ravel():
        ax.tick_params(labelsize=MIN_PT)
        ax.xaxis.get_offset_text().set_fontsize(MIN_PT)
        ax.yaxis.get_offset_text().set_fontsize(MIN_PT)
    return fig, axes


def _target(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise err("plot_format", f"图形文件须为 .png 或 .svg：{p.name}", f"plot file must be .png or .svg: {p.name}", "plot")
    return p


def save(fig: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write a figure of this module to a .png or .svg file (and close it)."""
    target = _target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return {"file": str(target), "cjk_font": cjk_font()}


def plot_oc(curve: dict[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """OC curve (抽样方案的 OC 曲线) from ``OCCurve.to_dict()``."""
    _target(path)
    return save(figure_oc(curve), path)


def figure_oc(curve: dict[str, Any]) -> Any:
    """The OC curve's figure."""
    _setup()
    p = np.array([pt["p"] for pt in curve["points"]])
    pa = np.array([pt["pa"] for pt in curve["points"]])
    fig, ax = _subplots(1, 4.2)
    ax.plot(p * 100, pa, color="#1f4e79", lw=2)
    for level, key, colour in ((0.95, "p_at_pa_95", "#2e7d32"), (0.10, "p_at_pa_10", "#c62828")):
        ax.axhline(level, color=colour, ls=":", lw=1)
        ax.axvline(curve[key] * 100, color=colour, ls=":", lw=1)
        ax.annotate(f"Pa={level:.2f}: p={curve[key] * 100:.3g}%", (curve[key] * 100, level), textcoords="offset points",
                    xytext=(6, 6), color=colour, fontsize=MIN_PT)
    ax.set_xlabel("批不合格品率 p（%）")
    ax.set_ylabel("接收概率 Pa")
    ax.set_title(f"OC 曲线（n = {curve['sample_size']}，Ac = {curve['acceptance_number']}，{_dist_zh(curve['distribution'])}）")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _dist_zh(d: str) -> str:
    return {"binomial": "二项分布", "hypergeometric": "超几何分布", "poisson": "泊松分布"}.get(d, d)


_CHART_ZH = {
    "xbar": "均值图 X̄", "R": "极差图 R", "S": "标准差图 S", "individuals": "单值图 X", "MR": "移动极差图 MR",
    "p": "不合格品率图 p", "np": "不合格品数图 np", "c": "不合格数图 c", "u": "单位不合格数图 u",
    "ewma": "指数加权移动平均图 EWMA", "cusum_upper": "累积和图 C⁺", "cusum_lower": "累积和图 −C⁻",
}


def plot_control_chart(chart: dict[str, Any], path: str | os.PathLike[str], *, max_points: int = 20000) -> dict[str, Any]:
    """Control chart with limits (stepped where they vary) and flagged points (异常点) in red."""
    _target(path)
    return save(figure_control_chart(chart, max_points=max_points), path)


def figure_control_chart(chart: dict[str, Any], *, max_points: int = 20000) -> Any:
    """The control chart's figure: one panel per chart (X̄ and R, ...), sharing the subgroup axis."""
    _setup()
    panels = chart["charts"]
    fig, axes = _subplots(len(panels), 1.0 + 2.8 * len(panels), squeeze=False, sharex=True)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        y = np.asarray(panel["statistics"], dtype=float)
        n = y.size
        step = max(1, n // max_points)
        idx = np.arange(1, n + 1)[::step]
        ax.plot(idx, y[::step], marker="o" if n <= 200 else None, ms=3, lw=1, color="#1f4e79")
        for key, colour, style in (("center_line", "#2e7d32", "-"), ("ucl", "#c62828", "--"), ("lcl", "#c62828", "--")):
            v = panel[key]
            arr = np.full(n, float(v)) if not isinstance(v, list) else np.asarray(v, dtype=float)
            ax.step(idx, arr[::step], where="mid", color=colour, ls=style, lw=1)
        bad = [v["index"] for v in panel["violations"]]
        if bad:
            b = np.asarray(bad)
            ax.plot(b + 1, y[b], "o", color="#c62828", ms=5, label="判异点")
            if len(bad) <= 30:
                for v in panel["violations"]:
                    ax.annotate(",".join(str(r) for r in v["rules"]), (v["index"] + 1, y[v["index"]]), textcoords="offset points",
                                xytext=(3, 4), fontsize=MIN_PT, color="#c62828")
            ax.legend(loc="best", fontsize=MIN_PT)
        ax.set_title(_CHART_ZH.get(panel["name"], panel["name"]))
        ax.set_ylabel("统计量")
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("子组序号")
    fig.suptitle(f"控制图（{chart['type']}，阶段 {'I' if chart['phase'] == 1 else 'II'}）", fontsize=TITLE_PT + 1)
    fig.tight_layout()
    return fig


def plot_capability(values: Any, result: dict[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """Histogram with specification limits and fitted normal curves (过程能力直方图)."""
    _target(path)
    return save(figure_capability(values, result), path)


def figure_capability(values: Any, result: dict[str, Any]) -> Any:
    """The capability histogram's figure."""
    from scipy import stats

    _setup()
    x = np.asarray(values, dtype=float)
    fig, ax = _subplots(1, 4.4)
    ax.hist(x, bins="auto", density=True, color="#9ecae1", edgecolor="#1f4e79", label="数据")
    lo_x = min(x.min(), result["lsl"] if result["lsl"] is not None else x.min())
    hi_x = max(x.max(), result["usl"] if result["usl"] is not None else x.max())
    pad = 0.1 * (hi_x - lo_x or 1.0)
    grid = np.linspace(lo_x - pad, hi_x + pad, 400)
    ax.plot(grid, stats.norm.pdf(grid, result["mean"], result["sigma_within"]), color="#c62828", lw=1.5, label="组内正态")
    ax.plot(grid, stats.norm.pdf(grid, result["mean"], result["sigma_overall"]), color="#2e7d32", lw=1.5, ls="--", label="整体正态")
    for key, name in (("lsl", "规格下限 LSL"), ("usl", "规格上限 USL"), ("target", "目标值")):
        if result.get(key) is not None:
            ax.axvline(result[key], color="black", ls=":" if key == "target" else "-", lw=1)
            ax.annotate(name, (result[key], ax.get_ylim()[1] * 0.95), rotation=90, fontsize=MIN_PT, ha="right", va="top")
    parts = [f"{k.upper()} = {result[k]:.3f}" for k in ("cp", "cpk", "pp", "ppk") if result.get(k) is not None]
    ax.set_title("过程能力分析\n" + "，".join(parts))  # the indices on a line of their own: the title stays narrow
    ax.set_xlabel("测量值")
    ax.set_ylabel("密度")
    ax.legend(fontsize=MIN_PT)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
