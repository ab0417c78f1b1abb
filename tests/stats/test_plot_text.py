"""Chart text one can read (issue 21, finding 13: "tiny chart text"): every text of the control-chart, capability
and OC plots is at least 12 CSS px as displayed.

As displayed: a plot is shown at the width of a PDF page's text block, the 版心 of GB/T 9704 (156 mm, the
narrowest place it appears; on a page the image fills a column at least as wide or shows at its natural size).
The saved image (PNG at the module's DPI, or SVG in points) is read back for its width; each text artist's size
(`Text.get_fontsize()`, in points) is scaled by shown width / saved width (never enlarged past natural size) and
converted at CSS's 96 px per inch (1 pt = 96/72 px). The data are published sets (tests/stats/published_data.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from matplotlib.text import Text
from PIL import Image

from tests.stats.published_data import ORANGE_JUICE_D, PISTON_RINGS
from zhijian.stats import capability, oc, plots, spc

MIN_PX = 12.0
CSS_PX_PER_PT = 96 / 72


def _saved_width_in(path: Path) -> float:
    if path.suffix == ".png":
        with Image.open(path) as img:
            return img.size[0] / plots.DPI
    width = ET.parse(path).getroot().get("width", "")
    m = re.fullmatch(r"([\d.]+)pt", width)
    assert m, width
    return float(m.group(1)) / 72


def _shown_px(build: Any, path: Path) -> list[tuple[float, str]]:
    """(size in CSS px as shown, text) of every visible text of the figure saved at `path`."""
    fig = build()
    plots.save(fig, path)  # draws it: tick labels made while drawing are counted too
    scale = min(1.0, plots.SHOWN_WIDTH_MM / 25.4 / _saved_width_in(path))
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert len(texts) >= 8, [t.get_text() for t in texts]
    return sorted((t.get_fontsize() * CSS_PX_PER_PT * scale, t.get_text()) for t in texts)


def _piston_values() -> tuple[list[float], list[int]]:
    values = [v for row in PISTON_RINGS for v in row]
    return values, [i for i, row in enumerate(PISTON_RINGS) for _ in row]


def _xbar_r() -> Any:
    values, groups = _piston_values()
    return plots.figure_control_chart(spc.control_chart("xbar-r", values, subgroups=groups).to_dict())


def _p_chart() -> Any:  # Montgomery Table 7.1: samples 15 and 23 out of control (annotated, with a legend)
    chart = spc.control_chart("p", ORANGE_JUICE_D, sizes=[50] * len(ORANGE_JUICE_D)).to_dict()
    assert [v["subgroup"] for v in chart["charts"][0]["violations"] if 1 in v["rules"]] == [15, 23]
    return plots.figure_control_chart(chart)


def _capability() -> Any:  # the piston rings against 74.000 ± 0.05 mm (Montgomery, Example 8.1 style limits)
    values, groups = _piston_values()
    result = capability.capability(values, lsl=73.95, usl=74.05, subgroups=groups).to_dict()
    return plots.figure_capability(values, result)


def _oc() -> Any:  # GB/T 2828.1 single sampling, normal inspection, code letter J at AQL 1.0: n = 80, Ac = 2
    return plots.figure_oc(oc.oc_curve(80, 2).to_dict())


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("build", [_xbar_r, _p_chart, _capability, _oc], ids=["xbar-r", "p", "capability", "oc"])
def test_every_chart_text_is_at_least_12_px_as_shown(build: Any, suffix: str, tmp_path: Path) -> None:
    sizes = _shown_px(build, tmp_path / f"plot{suffix}")
    small = [(round(px, 1), text) for px, text in sizes if px < MIN_PX]
    assert not small, f"texts under {MIN_PX} px when shown {plots.SHOWN_WIDTH_MM} mm wide: {small[:8]}"


def test_the_plot_functions_still_write_their_files(tmp_path: Path) -> None:
    values, groups = _piston_values()
    chart = spc.control_chart("xbar-r", values, subgroups=groups).to_dict()
    out = plots.plot_control_chart(chart, tmp_path / "c.svg")
    assert Path(out["file"]).is_file() and 5.5 < _saved_width_in(Path(out["file"])) <= 6.6
    res = capability.capability(values, lsl=73.95, usl=74.05).to_dict()
    assert Path(plots.plot_capability(values, res, tmp_path / "h.png")["file"]).is_file()
    assert Path(plots.plot_oc(oc.oc_curve(80, 2).to_dict(), tmp_path / "oc.png")["file"]).is_file()
