"""审计密钥 — the secrets that make the audit chain unforgeable by a database writer.

* HMAC keys (`ZHIJIAN_AUDIT_KEYS=kid1:base64,kid2:base64`, or `ZHIJIAN_AUDIT_KEY=base64` as kid "k1"): every
  record's hash is an HMAC-SHA256 under one of them, and the record stores the key id (kid), so keys can be
  rotated: the LAST key in the list signs new records, the older ones still verify old records.
* The Ed25519 checkpoint key (`ZHIJIAN_AUDIT_SIGNING_KEY`: a PEM file path or base64 of the 32 raw private
  bytes) signs checkpoints (chain head, count, time) that anyone holding the public key verifies offline.

Neither is stored in, or derived from, the database. Without configuration (development, demo) a per-install
key file is created in ZHIJIAN_VAR_DIR (`audit-hmac.key`, `audit-signing.pem`, mode 0600) with a warning.
"""

from __future__ import annotations

import base64
import binascii
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zhijian.platform.errors import DomainError
from zhijian.platform.files import install_secret, private_file
from zhijian.platform.logs import log

LOCAL_KID = "local"


def _bad(what: str) -> DomainError:
    return DomainError("audit.bad_key", f"审计密钥配置无效：{what}", f"invalid audit key configuration: {what}")


@dataclass(frozen=True)
class KeyRing:
    """HMAC keys by kid; `current` signs new records."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys: dict[str, bytes] = {}
        last = ""
        for item in spec.replace(" ", ",").split(","):
            if not item.strip():
                continue
            kid, sep, b64 = item.strip().partition(":")
            if not sep or not kid or len(kid) > 16:
                raise _bad("ZHIJIAN_AUDIT_KEYS entries are kid:base64 (kid up to 16 characters)")
            try:
                key = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _bad(f"key {kid} is not base64") from exc
            if len(key) < 32:
                raise _bad(f"key {kid} has {len(key)} bytes; at least 32 are needed")
            keys[kid] = key
            last = kid
        if not keys:
            raise _bad("no key")
        return cls(keys, last)

    def key(self, kid: str) -> bytes | None:
        return self.keys.get(kid)


def local_keyring(var_dir: Path) -> KeyRing:
    path = var_dir / "audit-hmac.key"
    key = install_secret(path, lambda: base64.b64encode(secrets.token_bytes(32)))
    log.warning("ZHIJIAN_AUDIT_KEYS is not set: the audit chain is keyed by the per-install file %s; "
                "set ZHIJIAN_AUDIT_KEYS in production and keep the key outside the database host", path)
    return KeyRing({LOCAL_KID: base64.b64decode(key)}, LOCAL_KID)


def _read_key(spec: str, from_file: Callable[[bytes], object], from_raw: Callable[[bytes], object], bad: str) -> object:
    """A key given as a file (`spec` a path) or inline as base64 of its raw bytes; `bad` when it is neither."""
    path = Path(spec)
    try:
        if len(spec) < 200 and path.is_file():
            return from_file(path.read_bytes())
        return from_raw(base64.b64decode(spec, validate=True))
    except (ValueError, binascii.Error, TypeError) as exc:
        raise _bad(bad) from exc


def load_private_key(spec: str) -> Ed25519PrivateKey:
    key = _read_key(spec, lambda data: serialization.load_pem_private_key(data, password=None),
                    Ed25519PrivateKey.from_private_bytes,
                    "ZHIJIAN_AUDIT_SIGNING_KEY is neither an Ed25519 PEM file nor base64 of 32 bytes")
    if not isinstance(key, Ed25519PrivateKey):
        raise _bad("ZHIJIAN_AUDIT_SIGNING_KEY is not an Ed25519 key")
    return key


def local_signing_key(var_dir: Path) -> Ed25519PrivateKey:
    path = var_dir / "audit-signing.pem"
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
        try:
            private_file(path, pem)
        except FileExistsError:
            pass
    log.warning("ZHIJIAN_AUDIT_SIGNING_KEY is not set: checkpoints are signed by the per-install key %s", path)
    return load_private_key(str(path))


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes (what `audit verify --public-key` accepts)."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def _public_key_file(data: bytes) -> object:
    """A public key file: PEM, or base64 of the 32 raw bytes (what `public_key_text` prints)."""
    if data.lstrip().startswith(b"-----BEGIN PUBLIC"):
        return serialization.load_pem_public_key(data)
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))


def load_public_key(spec: str) -> Ed25519PublicKey:
    key = _read_key(spec, _public_key_file, Ed25519PublicKey.from_public_bytes,
                    "the public key is neither PEM nor base64 of 32 bytes")
    if not isinstance(key, Ed25519PublicKey):
        raise _bad("not an Ed25519 public key")
    return key


@functools.cache
def configured_keyring() -> KeyRing:
    from zhijian.platform.config import get_settings

    s = get_settings()
    return KeyRing.parse(s.audit_keys) if s.audit_keys else local_keyring(s.var_dir)


@functools.cache
def configured_signing_key() -> Ed25519PrivateKey:
    from zhijian.platform.config import get_settings

    s = get_settings()
    return load_private_key(s.audit_signing_key) if s.audit_signing_key else local_signing_key(s.var_dir)


def new_hmac_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption())
    return base64.b64encode(raw).decode()
