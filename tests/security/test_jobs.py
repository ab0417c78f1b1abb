"""Issue 13, part 3: a job's result is read only by the user who started it (and admins).

Before: any logged-in user read any job's result through `/api/v1/jobs/{id}`."""

from __future__ import annotations

from tests import factories
from zhijian.platform.auth import actor_for


def test_job_result_only_for_its_owner_and_admin(client, app, db, login):
    with db.session() as s:
        reg = factories.regulator(s)
        owner = factories.user(s, "regulator", reg)
        owner_actor = actor_for(owner)
    h_owner_tok = client.post("/api/v1/auth/token", json={"username": owner.username,
                                                          "password": "correct horse 1"}).json()["access_token"]
    h_owner = {"Authorization": f"Bearer {h_owner_tok}"}
    # a cheap job started on the owner's behalf, waited for so that it has a result
    job_id = app.state.jobs.enqueue("trace.deliver_subscriptions", requested_by=owner_actor)
    app.state.jobs.wait(job_id)
    with db.session() as s:
        ent, lab = factories.enterprise(s), factories.lab(s)
    others = [login("enterprise", ent), login("regulator", reg), login("inspector", lab)]
    for jid in (job_id,):
        assert client.get(f"/api/v1/jobs/{jid}", headers=h_owner).status_code == 200
        assert client.get(f"/api/v1/jobs/{jid}", headers=login("admin")).status_code == 200
        for h in others:
            r = client.get(f"/api/v1/jobs/{jid}", headers=h)
            assert r.status_code == 404, r.text  # not 403: does not confirm that the job exists
            assert r.headers["content-type"].startswith("application/problem+json")
    mine = client.get(f"/api/v1/jobs/{job_id}", headers=h_owner).json()
    assert mine["status"] == "done" and "deliveries" in mine["result"]
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_system_jobs_are_admin_only(client, app, login):
    job_id = app.state.jobs.enqueue("trace.deliver_subscriptions")  # the scheduler's kind: no owner
    app.state.jobs.wait(job_id)
    assert client.get(f"/api/v1/jobs/{job_id}", headers=login("admin")).status_code == 200
    assert client.get(f"/api/v1/jobs/{job_id}", headers=login("regulator")).status_code == 404
