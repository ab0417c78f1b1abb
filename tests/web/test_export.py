"""导出 Excel: the streamed workbook opens in openpyxl with the same values, formulas neutralised."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor

from openpyxl import load_workbook

from zhijian.web.export import xlsx_response


def _body(resp) -> bytes:  # type: ignore[no-untyped-def]
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in resp.body_iterator])

    # in a thread of its own: the browser tests' Playwright driver may own this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, collect()).result()


def test_xlsx_response_round_trip():
    rows = ((i, f"产品{i}", 0.5 * i, dt.date(2026, 9, 1)) for i in range(1, 1201))  # a generator, as exports pass
    resp = xlsx_response("产品.xlsx", ["ID", "名称", "值", "日期"], rows)
    assert resp.media_type.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''%E4%BA%A7%E5%93%81.xlsx" in resp.headers["content-disposition"]
    body = _body(resp)
    assert int(resp.headers["content-length"]) == len(body)
    ws = load_workbook(io.BytesIO(body)).active
    data = list(ws.iter_rows(values_only=True))
    assert data[0][0] == "产品" and data[1][0] == "筛选条件：全部（未筛选）"  # title block (platform.exports)
    assert data[3] == ("ID", "名称", "值", "日期")
    assert len(data) == 1204
    assert data[1203][:3] == (1200, "产品1200", 600.0)
    assert data[4][3].date() == dt.date(2026, 9, 1)


def test_formula_like_text_is_written_as_text():
    resp = xlsx_response("x.xlsx", ["a"], [["=HYPERLINK(\"http://evil\")"], ["-5"], ["+86 138"]])
    ws = load_workbook(io.BytesIO(_body(resp))).active
    values = [r[0] for r in ws.iter_rows(min_row=5, values_only=True)]
    assert values == ["'=HYPERLINK(\"http://evil\")", "-5", "'+86 138"]
