"""The qualifications a maintenance visit rests on (资质): the maintenance company's licence (维保单位许可, registered
by the regulator) and the workers' certificates (特种设备作业人员证), and the checks that a visit is made under both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zhijian.equipment import rules
from zhijian.equipment.models import EquipmentMaintainerLicence, EquipmentWorkerCert
from zhijian.equipment.schemas import LicenceIn, WorkerCertIn
from zhijian.equipment.service.policy import today
from zhijian.equipment.service.registry import _owner
from zhijian.platform.auth import Actor
from zhijian.platform.crud import added, flush
from zhijian.platform.errors import Conflict, DomainError, NotFound, PermissionDenied

Q = TypeVar("Q", EquipmentMaintainerLicence, EquipmentWorkerCert)


def register_licence(session: Session, actor: Actor, data: LicenceIn) -> EquipmentMaintainerLicence:
    """维保单位许可 登记 / 换证 by the regulator (the licence is the authority's act, 《特种设备安全法》第十八条、
    第四十五条); a company holds one licence, a renewal replaces its number and validity."""
    actor.require("regulator")
    _owner(session, data.organization_id, "organization_id")
    number = data.licence_no.strip()
    if not number:
        raise DomainError("equipment.bad_licence", "许可证编号不能为空", "the licence number is required", field="licence_no")
    if data.valid_until <= data.issued_on:
        raise DomainError("equipment.bad_validity", "有效期应晚于发证日期", "validity must end after issue",
                          field="valid_until")
    taken = session.scalar(select(EquipmentMaintainerLicence).where(EquipmentMaintainerLicence.licence_no == number))
    if taken is not None and taken.organization_id != data.organization_id:
        raise Conflict("equipment.duplicate_licence", f"许可证编号已登记：{number}", f"licence number taken: {number}",
                       field="licence_no")
    row = session.scalar(select(EquipmentMaintainerLicence)
                         .where(EquipmentMaintainerLicence.organization_id == data.organization_id))
    if row is None:
        row = EquipmentMaintainerLicence(organization_id=data.organization_id)
        session.add(row)
    row.licence_no, row.scope, row.issued_on, row.valid_until = number, data.scope.strip(), data.issued_on, data.valid_until
    row.issuer, row.phone = data.issuer.strip(), data.phone.strip()
    flush(session, "equipment_maintainer_licence")
    return row


def get_licence(session: Session, actor: Actor, licence_id: int) -> EquipmentMaintainerLicence:
    """One licence: staff and institutes see every one, a company its own (else 404)."""
    if actor.is_public:
        actor.require("enterprise")
    row = session.get(EquipmentMaintainerLicence, licence_id)
    if row is None or (actor.role == "enterprise" and not actor.owns(row.organization_id)):
        raise NotFound("equipment_maintainer_licence", licence_id)
    return row


def update_licence(session: Session, actor: Actor, licence_id: int, data: LicenceIn) -> EquipmentMaintainerLicence:
    """Correct or renew (换证) a registered licence by the regulator — the same checks as ``register_licence``;
    the licence stays with its company."""
    row = get_licence(session, actor, licence_id)
    actor.require("regulator")
    if data.organization_id != row.organization_id:
        raise DomainError("equipment.licence_company", "许可证不能转给其他单位", "a licence stays with its company",
                          field="organization_id")
    return register_licence(session, actor, data)


def licence_of(session: Session, organization_id: int) -> EquipmentMaintainerLicence | None:
    return session.scalar(select(EquipmentMaintainerLicence)
                          .where(EquipmentMaintainerLicence.organization_id == organization_id))


def _qualifications(model: type[Q], holder: Any, actor: Actor, expiring_within: int | None,
                    on: dt.date | None) -> Select[Q]:
    """Both registers (许可, 作业人员证) are read alike: an enterprise sees the rows it holds (`holder`), staff all; a
    visitor is refused; ``expiring_within`` days keeps those whose validity ends by then (due for 换证 / 复审)."""
    if actor.is_public:
        actor.require("enterprise")
    stmt = select(model)
    if actor.role == "enterprise":
        stmt = stmt.where(holder == actor.organization_id)
    if expiring_within is not None:
        stmt = stmt.where(model.valid_until <= (on or today()) + dt.timedelta(days=expiring_within))
    return stmt


def licences(session: Session, actor: Actor, *, expiring_within: int | None = None,
             on: dt.date | None = None) -> list[EquipmentMaintainerLicence]:
    """The licensed maintenance companies (an enterprise sees its own), soonest expiry first."""
    stmt = _qualifications(EquipmentMaintainerLicence, EquipmentMaintainerLicence.organization_id, actor,
                           expiring_within, on)
    return list(session.scalars(stmt.order_by(EquipmentMaintainerLicence.valid_until, EquipmentMaintainerLicence.id)))


def _require_licence(session: Session, maintainer_id: int, on: dt.date, field: str, *, required: bool,
                     lic: EquipmentMaintainerLicence | None | bool = None) -> None:
    """A company whose licence has expired (``valid_until`` before ``on``) neither takes contracts nor records
    visits (《特种设备安全法》第四十五条: 依照本法取得许可; TSG T5002-2017 第2.1条). ``required``: no licence
    on record is refused too (contracts); for visits a company not yet in the licence registry is let through."""
    if lic is None:  # not read yet (False: read, none on record)
        lic = licence_of(session, maintainer_id)
    if not isinstance(lic, EquipmentMaintainerLicence):
        if required:
            raise DomainError("equipment.unlicensed", "该维保单位未登记特种设备维保许可（特种设备安全法第四十五条）",
                              "the maintenance company holds no registered licence", status=409, field=field)
        return
    if lic.valid_until < on:
        raise DomainError("equipment.licence_expired",
                          f"维保单位许可证 {lic.licence_no} 已于 {lic.valid_until.isoformat()} 过期（特种设备安全法第四十五条）",
                          f"the company's licence {lic.licence_no} expired on {lic.valid_until.isoformat()}",
                          status=409, field=field)


def _check_registered_cert(session: Session, cert_no: str, maintainer_id: int, on: dt.date, variety: str,
                           row: EquipmentWorkerCert | None | bool = None) -> None:
    """A certificate in the registry must be in force on the day, of the right item, held by the company's worker;
    a number not (yet) in the registry is kept as given. ``row``: the registry row already read (False: none)."""
    if row is None:
        row = session.scalar(select(EquipmentWorkerCert).where(EquipmentWorkerCert.cert_no == cert_no))
    if not isinstance(row, EquipmentWorkerCert):
        return
    rules.check_cert_for_visit(row.item, row.valid_until, on, variety)
    if row.employer_id is not None and row.employer_id != maintainer_id:
        raise DomainError("equipment.cert_employer", "该作业人员证登记在其他单位", "the certificate is registered to "
                          "another company", field="worker_cert_no")


def register_worker_cert(session: Session, actor: Actor, data: WorkerCertIn) -> EquipmentWorkerCert:
    """作业人员证 登记: the employer for its own workers, or the regulator."""
    employer = data.employer_id if data.employer_id is not None else actor.organization_id
    if not (actor.role in ("admin", "regulator") or (actor.role == "enterprise" and actor.owns(employer))):
        if actor.is_public:
            actor.require("enterprise")
        raise PermissionDenied("只能登记本单位人员的作业人员证", "you register your own workers' certificates only",
                               code="equipment.not_employer")
    if employer is not None:
        _owner(session, employer, "employer_id")
    item = data.item.strip().upper()
    if item not in rules.WORK_ITEMS:
        raise DomainError("equipment.bad_item", f"未知的作业项目代号：{data.item}", f"unknown work item: {data.item}",
                          field="item")
    until = rules.cert_valid_until(data.issued_on, data.valid_until)
    if until <= data.issued_on:
        raise DomainError("equipment.bad_validity", "有效期应晚于发证日期", "validity must end after issue",
                          field="valid_until")
    cert = rules.check_worker_cert(data.cert_no, "cert_no")
    if session.scalar(select(EquipmentWorkerCert.id).where(EquipmentWorkerCert.cert_no == cert)):
        raise Conflict("equipment.duplicate_cert", f"作业人员证已登记：{cert}", f"certificate already registered: {cert}",
                       field="cert_no")
    row = EquipmentWorkerCert(cert_no=cert, name=data.name.strip(), item=item, employer_id=employer,
                              issued_on=data.issued_on, valid_until=until, issuer=data.issuer.strip())
    return added(session, row, "equipment_worker_cert")


def worker_certs(session: Session, actor: Actor, *, employer_id: int | None = None,
                 expiring_within: int | None = None, on: dt.date | None = None,
                 limit: int = 500) -> list[EquipmentWorkerCert]:
    """The registry: an enterprise its own workers, staff everyone; ``expiring_within`` days → due for 复审."""
    stmt = _qualifications(EquipmentWorkerCert, EquipmentWorkerCert.employer_id, actor, expiring_within, on)
    if employer_id is not None and actor.role != "enterprise":
        stmt = stmt.where(EquipmentWorkerCert.employer_id == employer_id)
    return list(session.scalars(stmt.order_by(EquipmentWorkerCert.valid_until, EquipmentWorkerCert.id).limit(limit)))


def licensed_companies(session: Session, on: dt.date | None = None) -> list[tuple[int, str]]:
    """(id, name) of the companies whose licence is in force on ``on``: the choice an owner contracts from."""
    from zhijian.catalog.models import Organization

    day = on or today()
    return [(int(i), str(n)) for i, n in session.execute(
        select(Organization.id, Organization.name).join(
            EquipmentMaintainerLicence, EquipmentMaintainerLicence.organization_id == Organization.id)
        .where(EquipmentMaintainerLicence.valid_until >= day).order_by(Organization.name))]


def organization_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of the organizations a list shows (owners, companies), in one read."""
    from zhijian.catalog.models import Organization

    if not ids:
        return {}
    return {int(i): str(n) for i, n in session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids)))}
