"""End-to-end: the real root CLI (``zhijian.platform.cli.app``) and the real ASGI app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.stats.published_data import CREOSOTE, ORANGE_JUICE_D, PISTON_RINGS


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def piston_csv(tmp_path: Path) -> Path:
    rows = [f"{g + 1},{v}" for g, sub in enumerate(PISTON_RINGS) for v in sub]
    return _csv(tmp_path / "piston.csv", "subgroup,value", rows)


# ---------------------------------------------------------------- CLI


def run(runner, app, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_cli_sampling_plan_single_and_double(runner, cli_app) -> None:  # type: ignore[no-untyped-def]
    r = run(runner, cli_app, "sampling", "plan", "--lot-size", "1000", "--level", "II", "--aql", "1.0", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {k: d[k] for k in ("code_letter", "sample_size", "acceptance_number", "rejection_number")} == {
        "code_letter": "J", "sample_size": 80, "acceptance_number": 2, "rejection_number": 3}
    r = run(runner, cli_app, "sampling", "plan", "--lot-size", "1000", "--aql", "1.0", "--scheme", "double", "--json")
    d = json.loads(r.stdout)
    assert d["code_letter"] == "J" and d["unconfirmed"] is True
    assert set(d["stages"][0]) == {"sample_size", "cumulative_sample_size", "acceptance_number", "rejection_number"}
    r = run(runner, cli_app, "sampling", "plan", "--lot-size", "1000", "--aql", "1.0", "--standard", "z14", "--severity", "reduced")
    assert r.exit_code == 0 and "unconfirmed" in r.stdout


def test_cli_oc_with_plot(runner, cli_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "oc.svg"
    r = run(runner, cli_app, "sampling", "oc", "--sample-size", "80", "--acceptance", "2", "--p", "0.01,0.02,0.05",
            "--plot", str(svg), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [round(p["pa"], 4) for p in d["points"]] == [0.9534, 0.7844, 0.2306]
    assert 0.0102 < d["p_at_pa_95"] < 0.0104 and 0.065 < d["p_at_pa_10"] < 0.066
    assert svg.is_file() and svg.stat().st_size > 1000
    r = run(runner, cli_app, "sampling", "oc", "--sample-size", "80", "--acceptance", "2", "--lot-size", "1000", "--json")
    assert json.loads(r.stdout)["distribution"] == "hypergeometric"


def test_cli_switch(runner, cli_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = _csv(tmp_path / "lots.csv", "lot_id,lot_size,nonconforming", [f"L{i},1000,{d}" for i, d in enumerate([0, 3, 1, 4, 0])])
    r = run(runner, cli_app, "sampling", "switch", "--input", str(f), "--level", "II", "--aql", "1.0", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [s["severity"] for s in d["lots"]] == ["normal"] * 4 + ["tightened"]
    assert d["final_severity"] == "tightened" and d["discontinued"] is False


def test_cli_spc_chart_and_plot(runner, cli_app, piston_csv: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "chart.png"
    r = run(runner, cli_app, "spc", "chart", "--type", "xbar-r", "--input", str(piston_csv), "--plot", str(png), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["charts"][0]["center_line"] == pytest.approx(74.00118, abs=5e-6)
    assert d["charts"][1]["ucl"] == pytest.approx(0.04914, abs=2e-5)
    assert png.is_file() and d["plot"]["file"] == str(png)
    p = _csv(tmp_path / "p.csv", "subgroup,d,n", [f"{i + 1},{v},50" for i, v in enumerate(ORANGE_JUICE_D)])
    r = run(runner, cli_app, "spc", "chart", "--type", "p", "--input", str(p), "--value-col", "d", "--size-col", "n", "--json")
    d = json.loads(r.stdout)
    assert d["charts"][0]["ucl"] == pytest.approx(0.4102, abs=5e-5)
    assert [v["subgroup"] for v in d["charts"][0]["violations"] if 1 in v["rules"]] == ["15", "23"]
    for extra in (["--type", "ewma", "--lambda", "0.2"], ["--type", "cusum", "--k", "0.5", "--h", "4"], ["--type", "imr"]):
        r = run(runner, cli_app, "spc", "chart", "--input", str(piston_csv), "--value-col", "value", *extra, "--json")
        assert r.exit_code == 0, r.output


def test_plot_uses_a_cjk_font(tmp_path: Path) -> None:
    from zhijian.stats import plots, spc

    font = plots.cjk_font()
    assert font is not None, "scripts/system-deps.sh installs fonts-noto-cjk; Chinese labels need it"
    assert "CJK" in font or "Han" in font
    out = plots.plot_control_chart(spc.attribute_chart("c", [3, 5, 2, 9, 4]).to_dict(), tmp_path / "c.png")
    assert out["cjk_font"] == font


def test_cli_capability(runner, cli_app, piston_csv: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hist = tmp_path / "hist.svg"
    r = run(runner, cli_app, "spc", "capability", "--input", str(piston_csv), "--lsl", "73.95", "--usl", "74.05",
            "--plot", str(hist), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert abs(d["cp"] - 1.68) < 0.015 and d["confidence_intervals"]["cp"][0] < d["cp"]
    assert hist.is_file()


def test_cli_conformity_judge(runner, cli_app) -> None:  # type: ignore[no-untyped-def]
    r = run(runner, cli_app, "conformity", "judge", "--value", "0.52", "--uncertainty", "0.03", "--max", "0.5",
            "--rule", "guarded", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["outcome"] == "conditional_fail" and d["probability_of_conformance"] == pytest.approx(0.0912, abs=1e-4)
    r = run(runner, cli_app, "conformity", "judge", "--value", "0.52", "--max", "0.5")
    assert r.exit_code == 0 and "不合格" in r.stdout


def test_cli_pt_score(runner, cli_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = _csv(tmp_path / "pt.csv", "participant,result,expanded_uncertainty,coverage_factor",
             [f"L{i + 1},{v},0.8,2" for i, v in enumerate(CREOSOTE)])
    r = run(runner, cli_app, "pt", "score", "--input", str(f), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert round(d["assigned_value"], 2) == 20.41 and round(d["s_star"], 2) == 1.05
    assert d["u_assigned"] == pytest.approx(1.25 * d["s_star"] / 3)
    assert d["participants"][0]["en"] is not None
    r = run(runner, cli_app, "pt", "score", "--input", str(f), "--assigned", "20", "--assigned-uncertainty", "0.4",
            "--sigma-pt", "1", "--json")
    d = json.loads(r.stdout)
    assert d["participants"][0]["z"] == pytest.approx(4.14)


@pytest.mark.parametrize(
    ("content", "args", "code"),
    [
        ("subgroup,value\n", ["spc", "chart", "--type", "imr"], "stats.empty_data"),
        ("subgroup,value\n1,74.0\n1,abc\n2,74.1\n2,74.0\n", ["spc", "chart", "--type", "xbar-r"], "stats.non_numeric"),
        ("subgroup,value\n1,74.0\n1,nan\n2,74.1\n2,74.0\n", ["spc", "chart", "--type", "xbar-r"], "stats.nan_value"),
        ("subgroup,value\n1,74.0\n1,74.1\n1,74.2\n", ["spc", "chart", "--type", "xbar-r"], "stats.single_subgroup"),
        ("participant,result\nA,1\nB,x\nC,2\n", ["pt", "score"], "stats.non_numeric"),
    ],
)
def test_cli_bad_input_one_line_exit_2(runner, cli_app, tmp_path: Path, content: str, args: list[str], code: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    r = runner.invoke(cli_app, [*args, "--input", str(f), "--json"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and code in lines[0] and "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["sampling", "plan", "--lot-size", "0", "--aql", "1.0"], "stats.lot_size_zero"),
        (["sampling", "plan", "--lot-size", "100", "--aql", "0.3"], "stats.aql_not_in_table"),
        (["sampling", "oc", "--sample-size", "80", "--acceptance", "2", "--p", "0.1,1.5"], "stats.p_out_of_range"),
        (["conformity", "judge", "--value", "1"], "stats.limit_required"),
    ],
)
def test_cli_option_errors(runner, cli_app, args: list[str], code: str) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(cli_app, args)
    assert r.exit_code == 2 and code in r.stderr


# ---------------------------------------------------------------- API


def test_api_endpoints(stats_client) -> None:  # type: ignore[no-untyped-def]
    c = stats_client
    r = c.post("/api/v1/stats/sampling/plan", json={"lot_size": 1000, "aql": "1.0", "level": "II"})
    assert r.status_code == 200 and r.json()["sample_size"] == 80
    r = c.post("/api/v1/stats/sampling/oc", json={"sample_size": 89, "acceptance": 2, "p": [0.01]})
    assert r.json()["points"][0]["pa"] == pytest.approx(0.9397, abs=1e-4)
    r = c.post("/api/v1/stats/sampling/switch", json={"aql": "1.0", "lots": [{"lot_size": 1000, "nonconforming": d} for d in (0, 3, 4)]})
    assert r.status_code == 200 and r.json()["final_severity"] == "tightened"
    values = np.asarray(PISTON_RINGS).ravel().tolist()
    subgroups = [i // 5 + 1 for i in range(125)]
    r = c.post("/api/v1/stats/spc/chart", json={"type": "xbar-r", "values": values, "subgroups": subgroups})
    assert r.status_code == 200 and r.json()["charts"][1]["ucl"] == pytest.approx(0.04914, abs=2e-5)
    r = c.post("/api/v1/stats/spc/chart", json={"type": "imr", "values": values[:10]})
    assert r.status_code == 200 and r.json()["charts"][1]["statistics"][0] is None
    r = c.post("/api/v1/stats/spc/chart", json={"type": "ewma", "values": values[:30], "lambda": 0.3})
    assert r.status_code == 200 and r.json()["parameters"]["lambda"] == 0.3
    r = c.post("/api/v1/stats/spc/capability", json={"values": values, "subgroups": subgroups, "lsl": 73.95, "usl": 74.05})
    assert r.status_code == 200 and abs(r.json()["cp"] - 1.68) < 0.015
    r = c.post("/api/v1/stats/conformity/judge", json={"value": 0.52, "upper": 0.5, "expanded_uncertainty": 0.03})
    assert r.status_code == 200 and r.json()["outcome"] == "fail"
    r = c.post("/api/v1/stats/pt/score", json={"results": [{"participant": f"L{i}", "result": v} for i, v in enumerate(CREOSOTE)]})
    assert r.status_code == 200 and round(r.json()["x_star"], 2) == 20.41


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/v1/stats/sampling/plan", {"lot_size": 0, "aql": "1.0"}, "stats.lot_size_zero"),
        ("/api/v1/stats/sampling/plan", {"lot_size": 100, "aql": "0.3"}, "stats.aql_not_in_table"),
        ("/api/v1/stats/sampling/oc", {"sample_size": 80, "acceptance": 2, "p": [1.5]}, "stats.p_out_of_range"),
        ("/api/v1/stats/spc/chart", {"type": "imr", "values": []}, "stats.empty_data"),
        ("/api/v1/stats/spc/chart", {"type": "xbar-r", "values": [1, 2, 3], "subgroups": [1, 1, 1]}, "stats.single_subgroup"),
        ("/api/v1/stats/spc/chart", {"type": "imr", "values": [1, "x"]}, "validation.invalid"),
        # found by schemathesis (15 cases per operation): a c chart with fewer labels than counts answered 500
        # (IndexError reading the violations), an individuals chart labelled 6 points with 2 labels
        ("/api/v1/stats/spc/chart", {"type": "c", "values": [1, 2, 3, 40, 2, 1], "subgroups": ["a", "b"],
                                     "drop_out_of_control": True}, "stats.length_mismatch"),
        ("/api/v1/stats/spc/chart", {"type": "imr", "values": [1, 2, 3, 4, 2, 1], "subgroups": ["a", "b"]},
         "stats.length_mismatch"),
        ("/api/v1/stats/conformity/judge", {"value": 1.0}, "stats.limit_required"),
        ("/api/v1/stats/pt/score", {"results": []}, "stats.empty_data"),
    ],
)
def test_api_bad_input_problem_json(stats_client, path: str, body: dict, code: str) -> None:  # type: ignore[no-untyped-def]
    r = stats_client.post(path, json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["code"] == code and p["message_zh"] and p["message_en"]
