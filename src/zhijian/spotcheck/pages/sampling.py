"""The console's sampling form (抽样单) and refusal (拒检): the same service calls as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.spotcheck import service
from zhijian.spotcheck.models import Plan
from zhijian.spotcheck.pages.common import ctx_common, form_errors, org_names
from zhijian.spotcheck.schemas import RefusalIn, SamplingIn
from zhijian.web.core import console_actor, console_form, render

router = APIRouter(include_in_schema=False)


SAMPLING_FIELDS = ("lot", "production_date", "sampled_on", "place", "place_kind", "samplers", "test_quantity",
                   "reserve_quantity", "seals")
def _sampling_form(request: Request, session: Any, actor: Any, batch: Any, values: dict[str, Any],
                   errors: dict[str, str], status: int = 200) -> Response:
    return render(request, "spotcheck/console_sampling.html", {
        "b": batch, "plan": session.get(Plan, batch.plan_id), "values": values, "errors": errors,
        "orgs": org_names(session, {batch.enterprise_id, batch.lab_id or 0}), **ctx_common()}, status_code=status)


def _sampling_batch(session: Any, actor: Any, batch_id: int) -> Any:
    """The batch, if this actor may sample it now (the service checks again on save); else the error page."""
    batch = service.get_batch(session, actor, batch_id)
    service.require_sampler(actor, batch, session.get(Plan, batch.plan_id))
    if batch.state != "planned":
        raise DomainError("spotcheck.not_planned", "该批次已抽样或已拒检", "this batch has been sampled or refused",
                          status=409)
    return batch


@router.get("/console/spotcheck/batches/{batch_id}/sampling", response_class=HTMLResponse)
def console_sampling(request: Request, session: SessionDep, batch_id: int) -> Response:
    actor = console_actor(request, session, "regulator", "inspector")
    batch = _sampling_batch(session, actor, batch_id)
    values = {k: "" for k in SAMPLING_FIELDS} | {"sampled_on": service.today().isoformat(), "place_kind": "market",
                                                 "samplers": ["", ""]}
    return _sampling_form(request, session, actor, batch, values, {})


@router.post("/console/spotcheck/batches/{batch_id}/sampling")
async def console_sampling_save(request: Request, session: SessionDep, batch_id: int) -> Response:
    """抽样单 or 拒检 — the same service calls as the API."""
    actor, form = await console_form(request, session, "regulator", "inspector")
    batch = _sampling_batch(session, actor, batch_id)
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in SAMPLING_FIELDS}
    values["samplers"] = [str(v).strip() for v in form.getlist("samplers")]
    values["refusal_reason"] = str(form.get("refusal_reason", "")).strip()
    known = SAMPLING_FIELDS + ("refusal_reason",)
    try:
        if form.get("refused") == "1":
            try:
                refusal = RefusalIn(reason=values["refusal_reason"], on=values["sampled_on"] or None)
            except ValidationError as exc:
                errs = {("refusal_reason" if k in ("reason", "") else k): v
                        for k, v in form_errors(request, exc, ("reason", "on")).items()}
                return _sampling_form(request, session, actor, batch, values,
                                      {("sampled_on" if k == "on" else k): v for k, v in errs.items()}, 422)
            with session.begin_nested():
                service.record_refusal(session, actor, batch_id, refusal)
        else:
            data = {k: v for k, v in values.items() if k in SAMPLING_FIELDS and (v != "" or k in (
                "lot", "sampled_on", "place", "test_quantity", "reserve_quantity"))}
            data["samplers"] = [s for s in values["samplers"] if s]
            data["seals"] = [s.strip() for s in values["seals"].replace("，", ",").split(",") if s.strip()]
            try:
                sampling = SamplingIn.model_validate(data)
            except ValidationError as exc:
                return _sampling_form(request, session, actor, batch, values, form_errors(request, exc, known), 422)
            with session.begin_nested():
                service.record_sampling(session, actor, batch_id, sampling)
    except DomainError as err:
        errors = form_errors(request, err, known)
        return _sampling_form(request, session, actor, batch, values, errors, err.status)
    return RedirectResponse(f"/console/spotcheck/batches/{batch_id}", status_code=303)
