"""CJK fonts for plots (matplotlib) — Chinese titles and labels must render.

Looked up in order: `ZHIJIAN_CJK_FONT` (a .ttf/.otf/.ttc path), then Debian's fonts-noto-cjk
(installed by scripts/system-deps.sh) found through fontconfig or its usual paths.
PDFs use ReportLab's built-in CID font STSong-Light and need no file.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from functools import lru_cache

CANDIDATE_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/**/*CJK*.tt[cf]",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    env = os.environ.get("ZHIJIAN_CJK_FONT")
    if env and os.path.isfile(env):
        return env
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
            if out and os.path.isfile(out) and ("CJK" in out or "wqy" in out.lower() or "Hei" in out):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    for pattern in CANDIDATE_GLOBS:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return hits[0]
    return None


@lru_cache(maxsize=1)
def matplotlib_cjk_family() -> str | None:
    """Register the CJK font with matplotlib and return its family name (None if no font is installed)."""
    path = cjk_font_path()
    if path is None:
        return None
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    for preferred in ("Noto Sans CJK SC", "Source Han Sans SC"):  # simplified-Chinese glyph shapes first
        if preferred in known:
            return preferred
    return font_manager.FontProperties(fname=path).get_name()


def use_cjk_in_matplotlib() -> str | None:
    """Set rcParams so that Chinese renders; SVG text becomes paths (no font needed to view it)."""
    import matplotlib

    fam = matplotlib_cjk_family()
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["axes.unicode_minus"] = False
    if fam:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [fam, "DejaVu Sans"]
    return fam
