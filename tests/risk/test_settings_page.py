"""The risk settings page: the methods in force per kind with, beside each, the measured false-alarm rate, ARL₀
and detection delay that bench/bench_detectors.py stored; the stored table covers every detector."""

from __future__ import annotations

from zhijian.risk import performance, scan


def test_stored_table_covers_every_detector() -> None:
    doc = performance.load()
    assert doc["generated"] and doc["reps"] >= 100
    measured = set(performance.rows_by_method())
    assert set(scan.COUNT_METHODS) | set(scan.RATE_METHODS) <= measured
    cus = {r["group"]: r for r in performance.rows_by_method()["count_cusum"]}
    assert cus["count"]["arl0"] > 100 and 0 < cus["count"]["false_per_100"] < 1  # the CUSUM's point: few false alarms
    far = {r["group"]: r for r in performance.rows_by_method()["farrington"]}
    assert far["count"]["false_per_100"] <= 10  # α = 5 % a week, plug-in estimate


def test_settings_page_shows_figures_beside_methods(client, login) -> None:
    reg = login("regulator")
    r = client.put("/api/v1/risk/series-configs", headers=reg,
                   json={"kind": "count", "series_key": "prod:9", "methods": ["count_cusum"], "params": {"cusum_h": 5.0}})
    assert r.status_code == 200, r.text
    page = client.get("/console/risk/settings", headers=reg)
    assert page.status_code == 200
    html = page.text
    assert "泊松 CUSUM" in html and "改进 Farrington" in html and "EARS C3" in html and "Laney" in html
    cus = next(r for r in performance.rows_by_method()["count_cusum"] if r["group"] == "count")
    assert f"{cus['false_per_100']:.2f}" in html and "ARL₀" in html
    assert "cusum_h = 5.0" in html and "prod:9" in html  # the override is listed
    assert "cusum_kappa = 2.0" in html
    en = client.get("/console/risk/settings?lang=en", headers=reg)
    assert "Poisson CUSUM" in en.text and "False alarms / 100 periods" in en.text
    anonymous = client.get("/console/risk/settings", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
