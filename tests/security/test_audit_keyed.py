"""Issue 13, finding "the audit chain can be rewritten by anyone who can write to the database".

The attack of the finding, done for real on each database: edit record k, recompute every later hash (with
plain SHA-256, as the old chain used, or with a guessed key), adjust `audit_head` — `verify` must fail and name
record k. Truncating the tail and adjusting the head cannot be seen in the database alone; a signed checkpoint
taken earlier shows it (`zhijian audit checkpoint`, `zhijian audit verify --checkpoint FILE`).
"""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from typer.testing import CliRunner

from tests import factories
from tests.conftest import BACKENDS
from zhijian.platform import audit
from zhijian.platform.audit_keys import KeyRing, configured_signing_key, local_keyring, public_key_text
from zhijian.platform.db import get_database
from zhijian.platform.errors import DomainError
from zhijian.platform.models import AuditHead, AuditRecord

ALL = ["sqlite", "postgresql", "mariadb"]


def _backend(backend: str) -> None:
    if backend not in BACKENDS:
        pytest.skip(f"{backend} not available")


def _fill(db, n: int = 12) -> list[int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        for _ in range(n):
            factories.enterprise(s)
    with db.session() as s:
        assert audit.verify(s) == []
        return list(s.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))


def _rewrite_from(db, seq: int, *, kid: str | None, key: bytes | None, edit: dict) -> None:  # type: ignore[no-untyped-def]
    """What a database writer does: change record `seq`, recompute it and every later hash, move the head."""
    with db.session() as s:
        if edit:
            s.execute(AuditRecord.__table__.update().where(AuditRecord.seq == seq).values(**edit))
        prev = s.scalar(select(AuditRecord.hash).where(AuditRecord.seq == seq - 1)) or audit.GENESIS
        for rec in s.scalars(select(AuditRecord).where(AuditRecord.seq >= seq).order_by(AuditRecord.seq)).all():
            h = audit.compute_hash(rec.seq, rec.at, rec.actor, rec.action, rec.entity, rec.entity_id, rec.before,
                                   rec.after, prev, kid=kid, key=key)
            s.execute(AuditRecord.__table__.update().where(AuditRecord.seq == rec.seq)
                      .values(prev_hash=prev, hash=h, kid=kid if key is not None else None))
            prev = h
        s.execute(AuditHead.__table__.update().where(AuditHead.id == 1).values(hash=prev))


@pytest.mark.parametrize("backend", ALL)
def test_edit_and_recompute_with_plain_sha256_is_detected(fresh_db, backend) -> None:
    _backend(backend)
    db = fresh_db(backend)
    seqs = _fill(db)
    target = seqs[len(seqs) // 2]
    _rewrite_from(db, target, kid=None, key=None, edit={"actor": "regulator:nobody"})
    with db.session() as s:
        problems = audit.verify(s)
    assert problems, "a chain recomputed with plain SHA-256 must not verify"
    assert problems[0].seq == target and problems[0].kind == "unkeyed"


@pytest.mark.parametrize("backend", ALL)
def test_edit_and_recompute_with_a_wrong_key_is_detected(fresh_db, backend) -> None:
    _backend(backend)
    db = fresh_db(backend)
    seqs = _fill(db)
    target = seqs[len(seqs) // 2]
    with db.session() as s:
        kid = s.scalar(select(AuditRecord.kid).where(AuditRecord.seq == target))
    assert kid  # new records carry the id of the key that chained them
    _rewrite_from(db, target, kid=kid, key=b"attacker's guess of the key, 32+ bytes long",
                  edit={"after": {"name": "篡改后的企业"}})
    with db.session() as s:
        problems = audit.verify(s)
    assert (problems[0].seq, problems[0].kind) == (target, "edited")
    assert {p.seq for p in problems} == {s for s in seqs if s >= target}  # every rewritten record fails


@pytest.mark.parametrize("backend", ALL)
def test_truncated_tail_with_adjusted_head_fails_against_a_checkpoint(fresh_db, backend) -> None:
    _backend(backend)
    db = fresh_db(backend)
    seqs = _fill(db)
    key = Ed25519PrivateKey.generate()
    with db.session() as s:
        cp = audit.make_checkpoint(s, key)
    assert cp["seq"] == seqs[-1] and cp["count"] == len(seqs)
    keep = seqs[-5]
    with db.session() as s:  # the attack: drop the last 4 records, point the head at the new tail
        s.execute(text("DELETE FROM audit_record WHERE seq > :q"), {"q": keep})
        h = s.scalar(select(AuditRecord.hash).where(AuditRecord.seq == keep))
        s.execute(AuditHead.__table__.update().where(AuditHead.id == 1).values(seq=keep, hash=h))
    with db.session() as s:
        assert audit.verify(s) == []  # the database alone cannot tell ...
        problems = audit.verify_against_checkpoint(s, cp, key.public_key())  # ... the signed checkpoint can
    assert [(p.seq, p.kind) for p in problems] == [(keep + 1, "tail_deleted")]
    assert str(seqs[-1]) in problems[0].detail


def test_checkpoint_signed_by_another_key_or_altered_is_refused(fresh_db) -> None:
    db = fresh_db("sqlite")
    _fill(db, 3)
    trusted, forger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with db.session() as s:
        forged = audit.make_checkpoint(s, forger)
        good = audit.make_checkpoint(s, trusted)
    with pytest.raises(DomainError) as e:
        audit.check_checkpoint_signature(forged, trusted.public_key())
    assert e.value.code == "audit.bad_checkpoint"
    altered = dict(good, count=good["count"] - 1)
    with pytest.raises(DomainError):
        audit.check_checkpoint_signature(altered, public_key_text(trusted.public_key()))
    audit.check_checkpoint_signature(good, public_key_text(trusted.public_key()))  # the untouched one holds


def test_keys_rotate_by_key_id(fresh_db) -> None:
    db = fresh_db("sqlite")
    k1, k2 = os.urandom(32), os.urandom(32)
    ring1 = KeyRing.parse(f"k1:{base64.b64encode(k1).decode()}")
    ring12 = KeyRing.parse(f"k1:{base64.b64encode(k1).decode()},k2:{base64.b64encode(k2).decode()}")
    with db.session() as s:
        s.info["audit_keyring"] = ring1
        factories.enterprise(s)
    with db.session() as s:
        s.info["audit_keyring"] = ring12  # rotated: k2 signs new records, k1 still verifies old ones
        factories.enterprise(s)
    with db.session() as s:
        kids = list(s.scalars(select(AuditRecord.kid).order_by(AuditRecord.seq)))
        assert kids[-1] == "k2" and "k1" in kids
        assert [p for p in audit.verify(s, ring12) if p.seq > kids.index("k1")] == []
        only_k2 = audit.verify(s, KeyRing.parse(f"k2:{base64.b64encode(k2).decode()}"))
        first_k1 = list(s.scalars(select(AuditRecord.seq).where(AuditRecord.kid == "k1").order_by(AuditRecord.seq)))[0]
        assert (first_k1, "unknown_key") in [(p.seq, p.kind) for p in only_k2]


def test_old_plain_sha256_chain_still_verifies_up_to_the_legacy_mark(fresh_db) -> None:
    db = fresh_db("sqlite")
    seqs = _fill(db, 3)
    _rewrite_from(db, seqs[0], kid=None, key=None, edit={})  # as written before keyed chaining (format 1)
    with db.session() as s:
        assert audit.verify(s, legacy_upto=seqs[-1]) == []
        assert [(p.seq, p.kind) for p in audit.verify(s, legacy_upto=seqs[-2])] == [(seqs[-1], "unkeyed")]
        factories.enterprise(s)  # new records after the upgrade are keyed
    with db.session() as s:
        assert audit.verify(s, legacy_upto=seqs[-1]) == []


def test_bad_key_configuration_is_a_domain_error() -> None:
    for spec in ("k1", "k1:not base64!", "k1:" + base64.b64encode(b"short").decode(), ""):
        with pytest.raises(DomainError) as e:
            KeyRing.parse(spec)
        assert e.value.code == "audit.bad_key"


def test_unconfigured_install_uses_a_private_key_file(tmp_path) -> None:
    ring = local_keyring(tmp_path)
    path = tmp_path / "audit-hmac.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(ring.keys[ring.current]) == 32
    assert local_keyring(tmp_path).keys == ring.keys  # stable across restarts


def test_cli_checkpoint_and_verify_against_it(tmp_path, monkeypatch) -> None:
    from zhijian.platform import migrate
    from zhijian.platform.cli import app

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    migrate.upgrade(url)
    monkeypatch.setenv("ZHIJIAN_DATABASE_URL", url)
    get_database.cache_clear()
    try:
        db = get_database(url)
        seqs = _fill(db, 4)
        cp_file = tmp_path / "cp.json"
        r = CliRunner().invoke(app, ["audit", "checkpoint", "--out", str(cp_file)])
        assert r.exit_code == 0, r.output
        assert json.loads(cp_file.read_text())["seq"] == seqs[-1]
        r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(cp_file)])
        assert r.exit_code == 0 and "OK" in r.output, r.output
        with db.session() as s:
            s.execute(text("DELETE FROM audit_record WHERE seq = :q"), {"q": seqs[-1]})
            h = s.scalar(select(AuditRecord.hash).where(AuditRecord.seq == seqs[-2]))
            s.execute(AuditHead.__table__.update().values(seq=seqs[-2], hash=h))
        r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(cp_file)])
        assert r.exit_code == 1 and f"BROKEN at record {seqs[-1]}: tail_deleted" in r.output, r.output
        other = public_key_text(Ed25519PrivateKey.generate().public_key())
        r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(cp_file), "--public-key", other])
        assert r.exit_code == 2 and "audit.bad_checkpoint" in r.output, r.output
        r = CliRunner().invoke(app, ["audit", "public-key"])
        assert r.output.strip() == public_key_text(configured_signing_key().public_key())
    finally:
        get_database.cache_clear()


def test_nightly_checkpoint_job_catches_a_truncation_since_the_last_night(fresh_db, tmp_path) -> None:
    from zhijian.platform.tasks import audit_checkpoint

    db = fresh_db("sqlite")
    seqs = _fill(db, 4)
    first = audit_checkpoint(db, folder=str(tmp_path))
    assert first["ok"] and first["seq"] == seqs[-1]
    _fill(db, 2)
    second = audit_checkpoint(db, folder=str(tmp_path))  # the chain still holds last night's head: OK
    assert second["ok"] and second["seq"] > first["seq"]
    with db.session() as s:  # truncate to before last night's checkpoint, adjust the head
        s.execute(text("DELETE FROM audit_record WHERE seq > :q"), {"q": seqs[-2]})
        h = s.scalar(select(AuditRecord.hash).where(AuditRecord.seq == seqs[-2]))
        s.execute(AuditHead.__table__.update().values(seq=seqs[-2], hash=h))
    third = audit_checkpoint(db, folder=str(tmp_path))
    assert third["ok"] is False and third["problems"][0]["kind"] == "tail_deleted"
    assert len(list(tmp_path.glob("*.json"))) == 2  # no checkpoint blesses the truncated chain
