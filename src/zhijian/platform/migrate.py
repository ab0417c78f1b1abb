"""Alembic driven from code: one version directory per room, each room its own branch.

`zhijian db upgrade` applies every head; `zhijian db downgrade base` removes everything.
New revision for a room: `zhijian db revision --room spotcheck -m "add plans"` (autogenerate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from zhijian.platform.rooms import migration_dirs

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("version_locations", " ".join(migration_dirs()))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, target: str = "heads") -> None:
    command.upgrade(alembic_config(url), target)


def downgrade(url: str, target: str = "base") -> None:
    command.downgrade(alembic_config(url), target)


def revision(url: str, room: str, message: str) -> None:
    """Autogenerate a revision on the room's own branch (creating the branch if it is new)."""
    cfg = alembic_config(url)
    room_dir = (HERE / "migrations" / "versions") if room == "platform" else HERE.parent / room / "migrations"
    room_dir.mkdir(parents=True, exist_ok=True)
    cfg.set_main_option("version_locations", " ".join(sorted(set(migration_dirs()) | {str(room_dir)})))
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    has_branch = any(room in (rev.branch_labels or ()) for rev in script.walk_revisions())
    if has_branch:
        command.revision(cfg, message=message, autogenerate=True, head=f"{room}@head")
    else:
        depends = None if room == "platform" else script.get_revision("platform@head").revision
        command.revision(cfg, message=message, autogenerate=True, head="base", branch_label=room,
                         version_path=str(room_dir), depends_on=depends)


def partitions(connection: Any) -> set[str]:
    """The tables that are partitions of another (PostgreSQL's declarative partitioning, `zhijian codes
    partition`): the models name only their parents, so autogenerate must not propose to drop the children."""
    if connection.dialect.name != "postgresql":
        return set()
    return set(connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relispartition AND c.relkind IN ('r', 'p') AND n.nspname = current_schema()")).scalars())


def include_object(connection: Any) -> Any:
    """Alembic's filter for autogenerate: everything but a partition and the indexes of a partition.

    The partitions are read at the first comparison, not when the migration context is configured: a query on
    the connection before `begin_transaction()` would open the transaction Alembic then leaves uncommitted."""
    children: set[str] | None = None

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        nonlocal children
        if children is None:
            children = partitions(connection)
        if type_ == "table":
            return name not in children
        table = getattr(obj, "table", None)
        return getattr(table, "name", None) not in children

    return include
