"""Files appear whole or not at all (原子写入).

Every generated file (label sheets, code lists, exports, PDFs, stored attachments) is written to a hidden
temporary name in the same directory (``.<name>.<random>.part``), flushed and fsynced, then renamed over the final
name with `os.replace` (atomic on POSIX and Windows within one file system) and the directory entry fsynced. A
process killed mid-way leaves no file at the final path — at most a hidden ``.part`` file, which
`sweep_partials` removes.

    with atomic_write(path) as fh:          # binary file object; text: atomic_write(path, "w", encoding=...)
        fh.write(...)
    write_bytes(path, data)
    f = AtomicFile(path); f.file.write(...); f.commit()   # or f.discard() — for writers that outlive a block
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

PART_SUFFIX = ".part"


def temp_name(path: Path) -> Path:
    """The hidden temporary name beside `path` (same directory, so the rename never crosses file systems)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}")


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFile:
    """A file being written under a temporary name; `commit()` puts it in place, `discard()` removes it."""

    def __init__(self, path: str | os.PathLike[str], mode: str = "wb", **open_kw: Any) -> None:
        if "w" not in mode:
            raise ValueError("AtomicFile is for writing")
        self.path = Path(path)
        self.tmp = temp_name(self.path)
        self.file: IO[Any] = open(self.tmp, mode, **open_kw)  # noqa: SIM115 — closed by commit/discard
        self.done = False

    def commit(self) -> Path:
        if self.done:
            return self.path
        f = self.file
        if not f.closed:
            f.flush()
            os.fsync(f.fileno())
            f.close()
        else:  # closed by its writer (zipfile, reportlab): sync it by name
            fd = os.open(self.tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)
        self.done = True
        return self.path

    def discard(self) -> None:
        if self.done:
            return
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)
        self.done = True

    def __enter__(self) -> IO[Any]:
        return self.file

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", **open_kw: Any) -> Iterator[IO[Any]]:
    """Write `path` whole or not at all: the block writes a temporary file that is renamed only on success."""
    f = AtomicFile(path, mode, **open_kw)
    try:
        yield f.file
    except BaseException:
        f.discard()
        raise
    f.commit()


def private_file(path: Path, content: bytes) -> None:
    """Create a secret file readable by its owner only (0600), never overwriting one: FileExistsError if it is
    there (a per-install key that another process made first wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)


def install_secret(path: Path, make: Callable[[], bytes]) -> bytes:
    """The per-install secret in `path`, made by `make()` the first time (for keys whose environment variable
    is unset: the audit HMAC key, the two-factor key)."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            private_file(path, make() + b"\n")
    return path.read_bytes().strip()


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_write(path) as fh:
        fh.write(data)
    return Path(path)


def sweep_partials(directory: str | os.PathLike[str], name: str | None = None) -> int:
    """Remove the hidden temporary files a killed writer left in `directory` (only those of `name` if given)."""
    n = 0
    prefix = f".{name}." if name else "."
    for p in Path(directory).glob(f"{prefix}*{PART_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n
