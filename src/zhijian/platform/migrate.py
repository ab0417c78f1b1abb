"""Alembic driven from code: one version directory per room, each room its own branch.

`zhijian db upgrade` applies every head; `zhijian db downgrade base` removes everything.
New revision for a room: `zhijian db revision --room spotcheck -m "add plans"` (autogenerate).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
