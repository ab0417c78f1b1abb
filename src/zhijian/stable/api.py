"""稳定合格产品 REST API: thin handlers over the service (role and ownership checks live there)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from zhijian.platform.deps import ActorDep, SessionDep
from zhijian.platform.openapi import XLSX, file_answer
from zhijian.platform.pagination import Limit, PageOut
from zhijian.platform.rest import record_routes
from zhijian.stable import schemas, service
from zhijian.stable.models import Announcement, Listing

router = APIRouter(prefix="/api/v1/stable", tags=["stable"])


def listing_out(row: Listing) -> schemas.ListingOut:
    out = schemas.ListingOut.model_validate(row)
    out.state = service.listing_state(row)
    return out


def announcement_out(session: SessionDep, ann: Announcement, items: bool = True) -> schemas.AnnouncementOut:
    return schemas.AnnouncementOut(
        id=ann.id, kind=ann.kind, status=ann.status, label=service.announcement_label(ann), year=ann.year,
        number=ann.number, title=ann.title, body=ann.body, valid_from=ann.valid_from, valid_until=ann.valid_until,
        published_at=ann.published_at,
        items=[listing_out(r) for r in service.announcement_items(session, ann)] if items else [])


# rule sets ------------------------------------------------------------------------------
@router.get("/rulesets", response_model=list[schemas.RuleSetOut])
def list_rulesets(session: SessionDep, actor: ActorDep) -> list[schemas.RuleSetOut]:
    return [schemas.RuleSetOut.model_validate(r) for r in service.list_rulesets(session, actor)]


@router.post("/rulesets", response_model=schemas.RuleSetOut, status_code=201)
def create_ruleset(data: schemas.RuleSetIn, session: SessionDep, actor: ActorDep) -> schemas.RuleSetOut:
    payload = data.model_dump(mode="json", exclude_none=True)
    return schemas.RuleSetOut.model_validate(service.create_ruleset(session, actor, payload))


@router.get("/rulesets/{version}", response_model=schemas.RuleSetOut)
def get_ruleset(version: int, session: SessionDep, actor: ActorDep) -> schemas.RuleSetOut:
    service.ensure_default_ruleset(session)
    return schemas.RuleSetOut.model_validate(service.get_ruleset(session, version))


# evaluations ----------------------------------------------------------------------------
@router.post("/evaluations", response_model=schemas.EvaluationOut, status_code=201)
def evaluate(data: schemas.EvaluateIn, session: SessionDep, actor: ActorDep) -> schemas.EvaluationOut:
    return schemas.EvaluationOut.model_validate(service.evaluate_product(session, actor, data.product_id, data.as_of))


record_routes(router, "/evaluations", "evaluation", schemas.EvaluationOut, key="evaluation_id",
              read=service.get_evaluation)


@router.post("/candidates", response_model=list[schemas.EvaluationOut])
def candidates(data: schemas.CandidatesIn, session: SessionDep, actor: ActorDep) -> list[schemas.EvaluationOut]:
    rows = service.propose_candidates(session, actor, category_id=data.category_id, region=data.region,
                                      as_of=data.as_of)
    return [schemas.EvaluationOut.model_validate(r) for r in rows]


# applications ---------------------------------------------------------------------------
@router.get("/applications", response_model=PageOut[schemas.ApplicationOut])
def list_applications(session: SessionDep, actor: ActorDep, status: str | None = None, limit: Limit = 50,
                      cursor: str | None = None) -> PageOut[schemas.ApplicationOut]:
    page = service.list_applications(session, actor, status=status, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.ApplicationOut)


@router.post("/applications", response_model=schemas.ApplicationOut, status_code=201)
def apply(data: schemas.ApplicationIn, session: SessionDep, actor: ActorDep) -> schemas.ApplicationOut:
    row = service.apply(session, actor, data.product_id, statement=data.statement, former_names=data.former_names)
    return schemas.ApplicationOut.model_validate(row)


record_routes(router, "/applications", "application", schemas.ApplicationOut, key="app_id",
              read=service.get_application)


@router.get("/applications/{app_id}/comments", response_model=list[schemas.CommentOut])
def list_comments(app_id: int, session: SessionDep, actor: ActorDep) -> list[schemas.CommentOut]:
    return [schemas.CommentOut.model_validate(c) for c in service.comments(session, actor, app_id)]


@router.post("/applications/{app_id}/comments", response_model=schemas.CommentOut, status_code=201)
def add_comment(app_id: int, data: schemas.CommentIn, session: SessionDep, actor: ActorDep) -> schemas.CommentOut:
    return schemas.CommentOut.model_validate(service.add_comment(session, actor, app_id, data.body))


@router.post("/applications/{app_id}/review", response_model=schemas.ApplicationOut)
def review(app_id: int, data: schemas.ReviewIn, session: SessionDep, actor: ActorDep) -> schemas.ApplicationOut:
    return schemas.ApplicationOut.model_validate(service.review(session, actor, app_id,
                                                                recommendation=data.recommendation,
                                                                comment=data.comment))


@router.post("/applications/{app_id}/decision", response_model=schemas.ApplicationOut)
def decide(app_id: int, data: schemas.DecisionIn, session: SessionDep, actor: ActorDep) -> schemas.ApplicationOut:
    return schemas.ApplicationOut.model_validate(service.decide(session, actor, app_id, decision=data.decision,
                                                                reason=data.reason, override=data.override))


@router.post("/applications/{app_id}/withdraw", response_model=schemas.ApplicationOut)
def withdraw(app_id: int, session: SessionDep, actor: ActorDep) -> schemas.ApplicationOut:
    return schemas.ApplicationOut.model_validate(service.withdraw(session, actor, app_id))


@router.post("/committee", status_code=204)
def appoint(data: schemas.CommitteeIn, session: SessionDep, actor: ActorDep) -> Response:
    service.appoint_committee_member(session, actor, data.user_id, data.active)
    return Response(status_code=204)


# announcements and listings --------------------------------------------------------------
@router.get("/announcements", response_model=list[schemas.AnnouncementOut])
def list_announcements(session: SessionDep, actor: ActorDep, kind: str | None = None,
                       include_drafts: bool = False) -> list[schemas.AnnouncementOut]:
    return [announcement_out(session, a, items=False)
            for a in service.list_announcements(session, actor, kind=kind, include_drafts=include_drafts)]


@router.get("/announcements/{ann_id}", response_model=schemas.AnnouncementOut)
def get_announcement(ann_id: int, session: SessionDep, actor: ActorDep) -> schemas.AnnouncementOut:
    return announcement_out(session, service.get_announcement(session, actor, ann_id))


@router.post("/announcements/{ann_id}/publish", response_model=schemas.AnnouncementOut)
def publish(ann_id: int, data: schemas.PublishIn, session: SessionDep, actor: ActorDep) -> schemas.AnnouncementOut:
    ann = service.publish_announcement(session, actor, ann_id, title=data.title, body=data.body,
                                       valid_years=data.valid_years)
    return announcement_out(session, ann)


@router.get("/announcements/{ann_id}/file.{fmt}", response_class=Response,
            responses=file_answer("application/pdf", XLSX, description="公告文件 (PDF 或 Excel)"))
def announcement_file(ann_id: int, fmt: str, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    data = service.announcement_file(session, actor, ann_id, fmt, str(request.base_url))
    media = "application/pdf" if fmt == "pdf" else XLSX
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="stable-announcement-{ann_id}.{fmt}"'})


@router.get("/listings", response_model=PageOut[schemas.ListingOut])
def list_listings(session: SessionDep, actor: ActorDep, state: str | None = None, product_id: int | None = None,
                  limit: Limit = 200, cursor: str | None = None) -> PageOut[schemas.ListingOut]:
    page = service.list_listings(session, actor, state=state, product_id=product_id, limit=limit, cursor=cursor)
    return PageOut.of(page, schemas.ListingOut, present=listing_out)


record_routes(router, "/listings", "listing", schemas.ListingOut, key="listing_id", read=service.get_listing,
              present=listing_out)


@router.post("/listings/{listing_id}/revoke", response_model=schemas.ListingOut)
def revoke(listing_id: int, data: schemas.ReasonIn, session: SessionDep, actor: ActorDep) -> schemas.ListingOut:
    return listing_out(service.revoke_listing(session, actor, listing_id, data.reason))


@router.post("/listings/{listing_id}/keep", response_model=schemas.ListingOut)
def keep(listing_id: int, data: schemas.ReasonIn, session: SessionDep, actor: ActorDep) -> schemas.ListingOut:
    return listing_out(service.clear_flag(session, actor, listing_id, data.reason))


@router.get("/verify/{certificate_no}", response_model=schemas.VerificationOut)
def verify(certificate_no: str, session: SessionDep) -> schemas.VerificationOut:
    return service.verify_certificate(session, certificate_no)
