"""The test databases (tests/dbs.py): a copy of the run's migrated template is the database a migration builds.

Each backend's copy (SQLite: the file; PostgreSQL: CREATE DATABASE … TEMPLATE; MariaDB: the template's
SHOW CREATE TABLE replayed and its filled tables copied) must hold exactly the tables, columns, indexes and
foreign keys the models declare, enforce those foreign keys (`CREATE TABLE … LIKE` would have dropped them on
MariaDB), carry the template's rows and Alembic heads, and be a database of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import BACKENDS
from tests.dbs import isolated_url, migrated_template
from zhijian.catalog.models import Category
from zhijian.platform import migrate
from zhijian.platform.auth import SYSTEM
from zhijian.platform.db import Base, Database
from zhijian.platform.rooms import modules


@pytest.mark.parametrize("backend", BACKENDS)
def test_copy_of_the_template_is_the_migrated_schema_with_its_rows(backend: str, tmp_path: Path,
                                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    for _room, _models in modules("models"):
        pass  # every room's tables registered on Base.metadata
    template = migrated_template(backend, tmp_path_factory)
    with isolated_url(backend, tmp_path, template=template) as one, isolated_url(backend, tmp_path,
                                                                                 template=template) as two:
        first, second = Database(one), Database(two)
        try:
            with first.engine.connect() as conn:  # the tables, columns, indexes and foreign keys of the models
                assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
                heads = set(MigrationContext.configure(conn).get_current_heads())
                fks = sum(len(inspect(conn).get_foreign_keys(t)) for t in inspect(conn).get_table_names())
            assert heads == set(ScriptDirectory.from_config(migrate.alembic_config(one)).get_heads())  # every branch's head
            assert fks > 100  # every reference is a real constraint (there were 0 after CREATE TABLE … LIKE)
            with first.session(write=False) as s:
                roots = set(s.scalars(select(Category.name).where(Category.parent_id.is_(None))))
                count = s.scalar(select(func.count()).select_from(Category))
                top = s.scalar(select(func.max(Category.id)))
            assert {"食品", "药品", "特种设备", "工业产品"} <= roots  # seed_reference_data's category roots
            with first.session(SYSTEM) as s:  # ids go on after the template's rows
                s.add(Category(code="TPL-COPY", name="模板副本", path="/"))
                s.flush()
                new_id = s.scalar(select(Category.id).where(Category.code == "TPL-COPY"))
            assert new_id is not None and top is not None and new_id > top
            with pytest.raises(IntegrityError), first.session(SYSTEM) as s:  # foreign keys are enforced
                s.add(Category(code="TPL-ORPHAN", name="无父类别", path="/", parent_id=10**9))
                s.flush()
            with second.session(write=False) as s:  # the second copy is a database of its own
                assert s.scalar(select(func.count()).select_from(Category)) == count
                assert s.scalar(select(Category.id).where(Category.code == "TPL-COPY")) is None
            with second.engine.connect() as conn:
                assert set(MigrationContext.configure(conn).get_current_heads()) == heads
                assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == len(heads)
        finally:
            first.dispose()
            second.dispose()
