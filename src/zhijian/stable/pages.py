"""稳定合格产品 pages: the public announcements, feed and certificate verification, and the console workflow.

Every page calls the same service functions as the API and the CLI; the service checks roles and ownership.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from zhijian.catalog import service as catalog
from zhijian.catalog.pages import category_options
from zhijian.platform.auth import Actor
from zhijian.platform.calendar import parse_date
from zhijian.platform.deps import SessionDep
from zhijian.platform.errors import DomainError
from zhijian.platform.i18n import gettext_for
from zhijian.platform.openapi import XLSX
from zhijian.stable import rules, service, wording
from zhijian.stable.models import ApplicationComment, StableEvaluation
from zhijian.web.core import console_actor, console_form, error_page, locale_of, nav_item, portal_link, render
from zhijian.web.forms import domain_field_errors

router = APIRouter(include_in_schema=False)
ROLES = ("association", "enterprise", "regulator")
nav_item("/console/stable", "稳定合格产品", roles=ROLES, order=30)
portal_link("/stable", "稳定合格产品", order=30)



_WORDS = {"free": wording.free, "ann_no": wording.ann_no, "verification_reason": wording.verification_reason,
          "match_label": wording.match_label}


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """`render` with the helpers that say stored values in the page's language (`stable.wording`)."""
    return render(request, template, {**_WORDS, **context}, status_code=status_code)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


_date = parse_date  # platform.calendar: the one date parser


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("validation.invalid", f"「{field}」应为整数", f"'{field}' must be an integer",
                          field=field) from None


def _label(request: Request, ann: Any) -> str:
    """公告编号 "2026年第1号" in the visitor's language ("No. 1 of 2026"); a draft has none yet (草稿)."""
    _ = gettext_for(locale_of(request))
    if ann.year is None or ann.number is None:
        return str(_("草稿"))
    return str(_("{year}年第{number}号", year=ann.year, number=ann.number))


# ---------------------------------------------------------------- public pages


@router.get("/stable", response_class=HTMLResponse)
def public_index(request: Request, session: SessionDep) -> Response:
    anns = service.list_announcements(session, session.info["actor"])
    rows = [{"ann": a, "label": _label(request, a), "count": len(service.announcement_items(session, a))}
            for a in anns]
    return _render(request, "stable/public_index.html", {"rows": rows})


@router.get("/stable/announcements/{year:int}/{number:int}", response_class=HTMLResponse)
def public_announcement(year: int, number: int, request: Request, session: SessionDep) -> Response:
    try:
        ann = service.get_published(session, year, number)
    except DomainError as err:
        return error_page(request, err)
    items = service.announcement_items(session, ann)
    return _render(request, "stable/public_announcement.html", {
        "ann": ann, "label": _label(request, ann), "items": items,
        "states": {i.id: service.listing_state(i) for i in items}, "state_zh": rules.STATE_ZH})


@router.get("/stable/announcements/{year:int}/{number:int}.pdf")
def public_announcement_pdf(year: int, number: int, request: Request, session: SessionDep) -> Response:
    ann = service.get_published(session, year, number)
    data = service.announcement_file(session, session.info["actor"], ann.id, "pdf", _base(request))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="stable-{year}-{number}.pdf"'})


@router.get("/stable/announcements/{year:int}/{number:int}.xlsx")
def public_announcement_xlsx(year: int, number: int, request: Request, session: SessionDep) -> Response:
    ann = service.get_published(session, year, number)
    data = service.announcement_file(session, session.info["actor"], ann.id, "xlsx", _base(request))
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="stable-{year}-{number}.xlsx"'})


@router.get("/stable/feed.atom")
def public_feed(request: Request, session: SessionDep) -> Response:
    return Response(service.atom_feed(session, _base(request)), media_type="application/atom+xml")


@router.get("/stable/verify", response_class=HTMLResponse)
def verify_form(request: Request, session: SessionDep, no: str = "") -> Response:
    if no.strip():
        return RedirectResponse(f"/stable/verify/{no.strip().upper()}", status_code=303)
    return _render(request, "stable/verify.html", {"result": None, "no": ""})


@router.get("/stable/verify/{certificate_no}", response_class=HTMLResponse)
def verify_page(certificate_no: str, request: Request, session: SessionDep) -> Response:
    try:
        result = service.verify_certificate(session, certificate_no)
    except DomainError:
        return _render(request, "stable/verify.html", {"result": None, "no": certificate_no, "missing": True},
                      status_code=404)
    return _render(request, "stable/verify.html", {"result": result, "no": certificate_no})


@router.get("/stable/certificates/{certificate_no}.pdf")
def certificate_pdf(certificate_no: str, request: Request, session: SessionDep) -> Response:
    data = service.certificate_file(session, certificate_no, _base(request))
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{certificate_no}.pdf"'})


# ---------------------------------------------------------------- console


def _actor(request: Request, session: SessionDep) -> Actor:
    return console_actor(request, session, *ROLES)


def _fail(request: Request, err: DomainError, actor: Actor) -> Response:
    return error_page(request, err, actor)


Action = Callable[[Actor, FormData], object]


async def _act(request: Request, session: SessionDep, actions: dict[str, Action], action: str,
               done: str) -> Response:
    """A console button's POST: CSRF, the named action (404 when there is none), the error page when the service
    refuses, else back to `done`."""
    actor, form = await console_form(request, session, *ROLES)
    try:
        fn = actions.get(action)
        if fn is None:
            raise DomainError("request.not_found", "没有这个操作", "no such action", status=404)
        fn(actor, form)
    except DomainError as err:
        return _fail(request, err, actor)
    return RedirectResponse(done, status_code=303)


async def _act_in_form(request: Request, session: SessionDep, actions: dict[str, Action], action: str, done: str,
                       refused: Callable[[Actor, FormData, DomainError], Response]) -> Response:
    """A console form's POST whose refusal is shown in the form: the action in a savepoint, a 403/404 the error
    page, any other refusal `refused(actor, form, err)` (the form again, the message beside its field), else back
    to `done`; an unknown action is `_act`'s 404."""
    if action not in actions:
        return await _act(request, session, actions, action, done)
    actor, form = await console_form(request, session, *ROLES)
    try:
        with session.begin_nested():
            actions[action](actor, form)
    except DomainError as err:
        if err.status in (403, 404):
            return _fail(request, err, actor)
        return refused(actor, form, err)
    return RedirectResponse(done, status_code=303)


@router.get("/console/stable", response_class=HTMLResponse)
def console_index(request: Request, session: SessionDep, status: str = "") -> Response:
    return _index_page(request, session, _actor(request, session), status)


def _index_page(request: Request, session: SessionDep, actor: Actor, status: str = "",
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                http_status: int = 200) -> Response:
    """The desk of applications; after a refused application (申报) its form shows the message beside the field
    and keeps what was typed (issue #21 finding 9)."""
    page = service.list_applications(session, actor, status=status or None, limit=100)
    products = {a.product_id: service.product_info(session, a.product_id) for a in page.items}
    own: list[Any] = []
    if actor.role == "enterprise" and actor.organization_id:
        own = list(catalog.list_products(session, actor, enterprise_id=actor.organization_id, limit=200).items)
    flagged = service.list_listings(session, actor, state="flagged", limit=50).items if service.can_read_all(actor) \
        else []
    return _render(request, "stable/console_index.html", {
        "apps": page.items, "products": products, "status": status, "status_zh": service.STATUS_ZH,
        "counts": service.dashboard(session, actor), "own_products": own, "flagged": flagged,
        "is_staff": actor.role in ("association", "admin"),
        "is_committee": service.is_committee_member(session, actor), "errors": errors or {},
        "values": values or {}}, status_code=http_status)


@router.post("/console/stable/apply")
async def console_apply(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        former = []
        for line in str(form.get("former_names", "")).splitlines():
            if line.strip():
                brand, _, model = line.partition("|")
                former.append([brand.strip(), model.strip()])
        with session.begin_nested():
            app = service.apply(session, actor, _int(form.get("product_id"), "product_id"),
                                statement=str(form.get("statement", "")), former_names=former)
    except DomainError as err:
        if err.status in (403, 404):
            return _fail(request, err, actor)
        return _index_page(request, session, actor, errors=domain_field_errors(
            err, locale_of(request), ("product_id", "statement", "former_names")),
            values={k: str(v) for k, v in form.items() if k != "csrf_token"}, http_status=err.status)
    return RedirectResponse(f"/console/stable/applications/{app.id}", status_code=303)


def _application_page(request: Request, session: SessionDep, actor: Actor, app_id: int,
                      failed: str = "", errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                      status: int = 200) -> Response:
    """The application with its review/decision forms; after a refusal the failed form (`failed`) shows the
    message beside its field and keeps every value typed (issue #21 finding 9)."""
    try:
        app = service.get_application(session, actor, app_id)
    except DomainError as err:
        return _fail(request, err, actor)
    ev = session.get(StableEvaluation, app.evaluation_id) if app.evaluation_id else None
    comments = list(session.scalars(select(ApplicationComment).where(ApplicationComment.application_id == app.id)
                                    .order_by(ApplicationComment.id)))
    return _render(request, "stable/console_application.html", {
        "app": app, "info": service.product_info(session, app.product_id), "ev": ev, "comments": comments,
        "status_zh": service.STATUS_ZH, "is_staff": actor.role in ("association", "admin"),
        "is_committee": service.is_committee_member(session, actor), "owner": actor.owns(app.enterprise_id),
        "failed": failed, "errors": errors or {}, "values": values or {}}, status_code=status)


@router.get("/console/stable/applications/{app_id:int}", response_class=HTMLResponse)
def console_application(app_id: int, request: Request, session: SessionDep) -> Response:
    return _application_page(request, session, _actor(request, session), app_id)


# the fields of each application form: a refusal about one of them is shown beside it, any other at the form's top
APPLICATION_FIELDS = {"comment": ("body",), "review": ("recommendation", "comment"),
                      "decide": ("decision", "reason", "override"), "withdraw": ()}


@router.post("/console/stable/applications/{app_id:int}/{action}")
async def console_application_action(app_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actions: dict[str, Action] = {
        "comment": lambda actor, form: service.add_comment(session, actor, app_id, str(form.get("body", ""))),
        "review": lambda actor, form: service.review(session, actor, app_id,
                                                     recommendation=str(form.get("recommendation", "")),
                                                     comment=str(form.get("comment", ""))),
        "decide": lambda actor, form: service.decide(session, actor, app_id, decision=str(form.get("decision", "")),
                                                     reason=str(form.get("reason", "")),
                                                     override=form.get("override") == "1"),
        "withdraw": lambda actor, form: service.withdraw(session, actor, app_id),
    }

    def refused(actor: Actor, form: FormData, err: DomainError) -> Response:
        errors = domain_field_errors(err, locale_of(request), APPLICATION_FIELDS[action])
        values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        return _application_page(request, session, actor, app_id, action, errors, values, err.status)

    return await _act_in_form(request, session, actions, action, f"/console/stable/applications/{app_id}", refused)


@router.get("/console/stable/evaluate", response_class=HTMLResponse)
def console_evaluate_form(request: Request, session: SessionDep, product_id: str = "") -> Response:
    _actor(request, session)
    return _render(request, "stable/console_evaluation.html", {"ev": None, "product_id": product_id})


@router.post("/console/stable/evaluate", response_class=HTMLResponse)
async def console_evaluate(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        row = service.evaluate_product(session, actor, _int(form.get("product_id"), "product_id"),
                                       _date(str(form.get("as_of") or ""), "as_of"))
        info = service.product_info(session, row.product_id)
    except DomainError as err:
        return _fail(request, err, actor)
    return _render(request, "stable/console_evaluation.html", {"ev": row, "info": info, "product_id": row.product_id})


@router.get("/console/stable/evaluations/{evaluation_id:int}", response_class=HTMLResponse)
def console_evaluation(evaluation_id: int, request: Request, session: SessionDep) -> Response:
    actor = _actor(request, session)
    try:
        row = service.get_evaluation(session, actor, evaluation_id)
    except DomainError as err:
        return _fail(request, err, actor)
    return _render(request, "stable/console_evaluation.html", {
        "ev": row, "info": service.product_info(session, row.product_id), "product_id": row.product_id})


@router.get("/console/stable/candidates", response_class=HTMLResponse)
def console_candidates_form(request: Request, session: SessionDep) -> Response:
    _actor(request, session)
    return _render(request, "stable/console_candidates.html", {
        "rows": None, "categories": category_options(session, locale_of(request)), "chosen": ""})


@router.post("/console/stable/candidates", response_class=HTMLResponse)
async def console_candidates(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        cat = str(form.get("category_id") or "")
        rows = service.propose_candidates(session, actor, category_id=_int(cat, "category_id") if cat else None,
                                          region=str(form.get("region") or "") or None,
                                          as_of=_date(str(form.get("as_of") or ""), "as_of"))
    except DomainError as err:
        return _fail(request, err, actor)
    return _render(request, "stable/console_candidates.html", {
        "rows": [(r, service.product_info(session, r.product_id)) for r in rows],
        "categories": category_options(session, locale_of(request)), "chosen": cat})


@router.get("/console/stable/announcements", response_class=HTMLResponse)
def console_announcements(request: Request, session: SessionDep) -> Response:
    actor = _actor(request, session)
    anns = service.list_announcements(session, actor, include_drafts=True)
    rows = [{"ann": a, "label": _label(request, a), "listings": service.announcement_items(session, a)}
            for a in anns]
    return _render(request, "stable/console_announcements.html", {
        "rows": rows, "is_staff": actor.role in ("association", "admin")})


@router.post("/console/stable/announcements/{ann_id:int}/publish")
async def console_publish(ann_id: int, request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        ann = service.publish_announcement(session, actor, ann_id, title=str(form.get("title") or "") or None,
                                           valid_years=_int(form.get("valid_years") or 3, "valid_years"))
    except DomainError as err:
        return _fail(request, err, actor)
    return RedirectResponse(f"/stable/announcements/{ann.year}/{ann.number}", status_code=303)


@router.get("/console/stable/announcements/{ann_id:int}/preview.pdf")
def console_preview(ann_id: int, request: Request, session: SessionDep) -> Response:
    actor = _actor(request, session)
    data = service.announcement_file(session, actor, ann_id, "pdf", _base(request))
    return Response(data, media_type="application/pdf")


@router.get("/console/stable/listings", response_class=HTMLResponse)
def console_listings(request: Request, session: SessionDep, state: str = "") -> Response:
    return _listings_page(request, session, _actor(request, session), state)


def _listings_page(request: Request, session: SessionDep, actor: Actor, state: str = "", failed: str = "",
                   errors: dict[str, str] | None = None, reason: str = "", status: int = 200) -> Response:
    """在列产品; after a refused 撤销/维持 the row's form (`failed` = "revoke-<id>" / "keep-<id>") shows the message
    and keeps the reason typed."""
    page = service.list_listings(session, actor, state=state or None, limit=200)
    return _render(request, "stable/console_listings.html", {
        "items": page.items, "state": state, "states": {i.id: service.listing_state(i) for i in page.items},
        "state_zh": rules.STATE_ZH, "is_committee": service.is_committee_member(session, actor),
        "failed": failed, "errors": errors or {}, "reason": reason}, status_code=status)


@router.post("/console/stable/listings/{listing_id:int}/{action}")
async def console_listing_action(listing_id: int, action: str, request: Request, session: SessionDep) -> Response:
    actions: dict[str, Action] = {
        "revoke": lambda actor, form: service.revoke_listing(session, actor, listing_id, str(form.get("reason", ""))),
        "keep": lambda actor, form: service.clear_flag(session, actor, listing_id, str(form.get("reason", ""))),
    }

    def refused(actor: Actor, form: FormData, err: DomainError) -> Response:
        failed = f"{action}-{listing_id}"
        return _listings_page(request, session, actor, failed=failed,
                              errors={failed: err.message_en if locale_of(request) == "en" else err.message_zh},
                              reason=str(form.get("reason", "")), status=err.status)

    return await _act_in_form(request, session, actions, action, "/console/stable/listings", refused)


@router.get("/console/stable/rulesets", response_class=HTMLResponse)
def console_rulesets(request: Request, session: SessionDep) -> Response:
    actor = _actor(request, session)
    import json

    sets = service.list_rulesets(session, actor)
    latest = dict(sets[-1].data)
    latest["version"] = latest["version"] + 1
    return _render(request, "stable/console_rulesets.html", {
        "sets": sets, "template_json": json.dumps(latest, ensure_ascii=False, indent=2),
        "is_staff": actor.role in ("association", "admin"), "label": rules.criterion_label})


@router.post("/console/stable/rulesets")
async def console_ruleset_add(request: Request, session: SessionDep) -> Response:
    actor, form = await console_form(request, session, *ROLES)
    try:
        try:
            data = json.loads(str(form.get("data", "")))
        except ValueError:
            raise DomainError("stable.bad_ruleset", "规则集不是合法的 JSON", "the rule set is not valid JSON",
                              field="data") from None
        service.create_ruleset(session, actor, data)
    except DomainError as err:
        return _fail(request, err, actor)
    return RedirectResponse("/console/stable/rulesets", status_code=303)
