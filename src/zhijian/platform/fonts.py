"""CJK fonts for plots (matplotlib) and PDFs (ReportLab) — Chinese, units and symbols must render everywhere.

Plots: `ZHIJIAN_CJK_FONT` (a .ttf/.otf/.ttc path), then Debian's fonts-noto-cjk (installed by
scripts/system-deps.sh) found through fontconfig or its usual paths.

PDFs (issue 21, finding 6): ReportLab's built-in CID font STSong-Light is not embedded — a viewer without the
Adobe Asian font pack substitutes it, and "2.5mm²", "1m³" came out as boxes. Every PDF now embeds a subset of a
real font: `pdf_font()` / `pdf_font(bold=True)` register and return the ReportLab font names. The font is
`ZHIJIAN_PDF_FONT` / `ZHIJIAN_PDF_FONT_BOLD` when set, else Noto Serif CJK SC (宋体-like, the face of 公文 and
reports; Noto Sans CJK SC when only the sans is installed). ReportLab embeds TrueType outlines only and Noto CJK
ships CFF (PostScript) outlines, so the face is converted once to TrueType with fontTools (cubic → quadratic,
within 1/1000 em) and cached in `ZHIJIAN_FONT_CACHE` (default ~/.cache/zhijian/fonts); ReportLab then embeds just the
glyphs a document uses. `missing_glyphs(text)` names the characters the font cannot draw (they would print as
.notdef boxes).
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)
PDF_FONT = "ZhijianCJK"  # the ReportLab names of the embedded faces
PDF_FONT_BOLD = "ZhijianCJK-Bold"
FALLBACK_CID_FONT = "STSong-Light"  # only when no CJK font file exists at all (not embedded: glyphs may be missing)
CONVERTER_VERSION = "2"
PDF_FACES = {  # (file patterns, face name wanted) in order of preference
    False: (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
            ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
            ("/usr/share/fonts/**/NotoSerifCJK*-Regular.[ot]t[fc]", "Noto Serif CJK SC"),
            ("/usr/share/fonts/**/NotoSansCJK*-Regular.[ot]t[fc]", "Noto Sans CJK SC")),
    True: (("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
           ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
           ("/usr/share/fonts/**/NotoSerifCJK*-Bold.[ot]t[fc]", "Noto Serif CJK SC"),
           ("/usr/share/fonts/**/NotoSansCJK*-Bold.[ot]t[fc]", "Noto Sans CJK SC")),
}
_lock = threading.Lock()

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


# ---- PDFs (ReportLab)


def _face_index(path: str, wanted: str) -> int:
    """The index of the simplified-Chinese face in a .ttc (0 for a single font)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]  # fontTools ships no type hints

    coll = TTCollection(path, lazy=True)
    for i, f in enumerate(coll.fonts):
        if f["name"].getDebugName(1) == wanted or f["name"].getDebugName(4) == wanted:
            return i
    return 0


def pdf_font_source(bold: bool = False) -> tuple[str, int] | None:
    """(font file, face index) of the CJK font PDFs embed, or None when none is installed."""
    env = os.environ.get("ZHIJIAN_PDF_FONT_BOLD" if bold else "ZHIJIAN_PDF_FONT")
    if env and os.path.isfile(env):
        return env, 0
    for pattern, face in PDF_FACES[bold]:
        hits = sorted(glob.glob(pattern, recursive=True))
        if hits:
            return hits[0], _face_index(hits[0], face)
    if bold:
        return pdf_font_source(False)
    path = cjk_font_path()
    return (path, _face_index(path, "Noto Sans CJK SC")) if path else None


def _cache_dir() -> Path:
    env = os.environ.get("ZHIJIAN_FONT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zhijian" / "fonts"


def _has_truetype_outlines(path: str, index: int) -> bool:
    from fontTools.ttLib import TTFont

    f = TTFont(path, fontNumber=index, lazy=True)
    return "glyf" in f


def truetype_file(path: str, index: int = 0) -> Path:
    """A TrueType-outline version of the face (ReportLab embeds only those): the file itself when it already has
    glyf outlines, else a converted copy in the cache, made once (file lock across processes, atomic rename)."""
    if _has_truetype_outlines(path, index) and not path.lower().endswith(".ttc"):
        return Path(path)
    st = os.stat(path)
    key = hashlib.sha256(f"{os.path.abspath(path)}|{index}|{st.st_size}|{st.st_mtime_ns}|{CONVERTER_VERSION}"
                         .encode()).hexdigest()[:16]
    out = _cache_dir() / f"{Path(path).stem}-{index}-{key}.ttf"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    import fcntl

    with open(out.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be converting the same face: wait for it
        if not out.is_file():
            from zhijian.platform.files import atomic_write

            log.info("converting %s#%d to TrueType outlines for PDF embedding (once) → %s", path, index, out)
            font = _to_truetype(path, index)
            with atomic_write(out) as fh:
                font.save(fh)
    return out


def _to_truetype(path: str, index: int):  # type: ignore[no-untyped-def]
    """CFF (PostScript) outlines → TrueType glyf/loca, as fontTools' otf2ttf does; tables ReportLab does not read
    (layout, vertical metrics) are dropped to keep the cache small."""
    from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]  # fontTools ships no type hints
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]  # (same)
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(path, fontNumber=index, lazy=False)
    if "glyf" not in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        used = set(font.getBestCmap().values()) | {order[0]}  # ReportLab reaches glyphs through the cmap only
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for name in order:  # glyph ids are kept; unreachable ones (other locales' forms, GSUB variants) stay empty
            pen = TTGlyphPen(None)
            if name in used:
                glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"], font["loca"] = glyf, newTable("loca")
        for tag in ("CFF ", "CFF2", "VORG"):
            if tag in font:
                del font[tag]
        font["head"].glyphDataFormat = 0
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                     "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["post"].formatType = 3.0  # no glyph names: 65,535 names overflow format 2
        font.sfntVersion = "\x00\x01\x00\x00"
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "DSIG", "VORG"):
        if tag in font:
            del font[tag]
    return font


@lru_cache(maxsize=2)
def _registered(bold: bool) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    src = pdf_font_source(bold)
    if src is None:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        log.warning("no CJK font installed (scripts/system-deps.sh installs fonts-noto-cjk): PDFs use %s, "
                    "not embedded", FALLBACK_CID_FONT)
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
        return FALLBACK_CID_FONT
    from reportlab.lib.fonts import addMapping

    name = PDF_FONT_BOLD if bold else PDF_FONT
    pdfmetrics.registerFont(TTFont(name, str(truetype_file(*src))))  # subset-embedded by ReportLab on save
    for b, i in ((1, 0), (1, 1)) if bold else ((0, 0), (0, 1), (1, 0), (1, 1)):  # <b> → the bold face once known
        addMapping(PDF_FONT, b, i, name)
    return name


def pdf_font(bold: bool = False) -> str:
    """The ReportLab font name every PDF uses, registered on first use (the first run converts the face, ~30 s)."""
    with _lock:
        regular = _registered(False)
        return _registered(True) if bold and regular == PDF_FONT else regular


@lru_cache(maxsize=2)
def _cmap(bold: bool) -> frozenset[int]:
    src = pdf_font_source(bold)
    if src is None:
        return frozenset()
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(src[0], fontNumber=src[1], lazy=True).getBestCmap())


def missing_glyphs(text: str, bold: bool = False) -> list[str]:
    """The characters of `text` the PDF font has no glyph for (they would print as .notdef boxes)."""
    cmap = _cmap(bold)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


if __name__ == "__main__":  # `python -m zhijian.platform.fonts` warms the cache at deployment (the first PDF then waits not)
    for heavy in (False, True):
        source = pdf_font_source(heavy)
        print(pdf_font(heavy), source, truetype_file(*source) if source else "no CJK font installed")
