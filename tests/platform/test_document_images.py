"""One official PDF per kind as an image (issue 21, done-when: "screenshots … of one official PDF per kind"): the
公告/通告 in 公文 form with its seal, the 函 in 信函格式, the 检验报告 with its CMA slot and signatures — rendered by
poppler's pdftoppm (scripts/system-deps.sh installs poppler-utils) into test-artifacts/<test name>/<kind>.png.

What a reviewer sees there is checked too: an A4 page, the red 发文机关标志 in the top band of the 公文 and the 函
(GB/T 9704-2012 §7.2.2: red; §10.1: the letter's mark 30 mm from the top), the red seal over the date, and text
(dark pixels) where the body is."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.platform.test_documents import _official, _seal_png
from tests.web.conftest import ARTIFACTS
from zhijian.platform import documents as D

DPI = 50
PDFTOPPM = shutil.which("pdftoppm")
pytestmark = pytest.mark.skipif(PDFTOPPM is None and not os.environ.get("CI"),
                                reason="pdftoppm (poppler-utils) not installed: run scripts/system-deps.sh")


def _kinds() -> dict[str, bytes]:
    organ = D.Organ("浙江省市场监督管理局", code="浙市监", seal=_seal_png())
    report = D.InspectionReport(
        lab="浙江省电线电缆质量检验院", report_no="JC2026-0001", cma_no="240012345678",
        sample=[("样品名称", "聚氯乙烯绝缘电缆 BV 2.5mm²"), ("受检单位", "某电缆有限公司")],
        header=["检验项目", "单位", "标准要求", "实测值"], results=[["导体电阻", "Ω/km", "≤7.41", "7.20"]],
        conclusion="所检项目符合 GB/T 5023.3-2008 要求。", issued_on=dt.date(2026, 3, 20),
        signatures=(D.Signature("主检", "张三", dt.date(2026, 3, 18)), D.Signature("审核", "李四"),
                    D.Signature("批准", "王五")))
    return {
        "announcement": D.official_pdf(_official(organ=organ)),
        "letter": D.official_pdf(_official(organ=organ, title="关于协助调查的函", number="浙市监函〔2026〕2号",
                                           form="letter", cc=(), printed_by="")),
        "inspection-report": D.inspection_report_pdf(report),
    }


def _rgb(img: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    """The box's pixels as (r, g, b) rows (numpy: Image.getdata is deprecated in Pillow 13)."""
    return np.asarray(img.crop(box).convert("RGB"), dtype=int).reshape(-1, 3)


def _red(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    r, g, b = _rgb(img, box).T
    return int(np.count_nonzero((r > 150) & (g < 90) & (b < 100)))


def _dark(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    r, g, b = _rgb(img, box).T
    return int(np.count_nonzero((r < 90) & (g < 90) & (b < 90)))


def test_one_official_pdf_per_kind_as_an_image(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    assert PDFTOPPM, "pdftoppm is missing on CI: scripts/system-deps.sh installs poppler-utils"
    keep = ARTIFACTS / request.node.name
    keep.mkdir(parents=True, exist_ok=True)
    images = {}
    for kind, pdf in _kinds().items():
        (tmp_path / f"{kind}.pdf").write_bytes(pdf)
        subprocess.run([PDFTOPPM, "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                        str(tmp_path / f"{kind}.pdf"), str(keep / kind)], check=True, timeout=60)
        img = Image.open(keep / f"{kind}.png").convert("RGB")
        assert abs(img.width - round(210 / 25.4 * DPI)) <= 1 and abs(img.height - round(297 / 25.4 * DPI)) <= 1
        images[kind] = img
    mm = DPI / 25.4
    for kind in ("announcement", "letter"):
        img = images[kind]
        assert _red(img, (0, 0, img.width, int(90 * mm))) > 200, kind  # the red 发文机关标志 in the top band
        assert _dark(img, (int(28 * mm), int(90 * mm), int(184 * mm), int(200 * mm))) > 200, kind  # the body
        assert _red(img, (int(100 * mm), int(90 * mm), img.width, img.height)) > 100, kind  # the seal
    report = images["inspection-report"]
    assert _dark(report, (0, 0, report.width, report.height)) > 500
