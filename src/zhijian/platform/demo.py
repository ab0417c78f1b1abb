"""Reference data every database needs and the demo loader over all rooms, both through the rooms' ``demo`` hooks."""

from __future__ import annotations

import random

from zhijian.platform.db import Database
from zhijian.platform.rooms import modules


def seed_reference_data(db: Database) -> None:
    """Every room's reference data (the demo module's optional ``reference_data(session)``, idempotent: catalog's
    category roots 食品, 药品, 特种设备, 工业产品 and their tree), in room order, in one transaction."""
    from zhijian.platform.auth import SYSTEM

    with db.session(SYSTEM) as s:
        for _room, mod in modules("demo"):
            reference_data = getattr(mod, "reference_data", None)
            if reference_data is not None:
                reference_data(s)


def load_demo(db: Database, seed: int = 20260915) -> list[str]:
    """Run every room's demo loader in dependency order; each is idempotent and one transaction."""
    from zhijian.platform.auth import SYSTEM

    seed_reference_data(db)
    lines: list[str] = []
    for room, mod in modules("demo"):
        load = getattr(mod, "load", None)
        if load is None:
            continue
        with db.session(SYSTEM) as s:
            out = load(s, random.Random(f"{seed}-{room}"))
        if out:
            lines.extend(out if isinstance(out, list) else [str(out)])
    # Second pass: rooms whose figures depend on later rooms (credit reads recalls and listings).
    for room, mod in modules("demo"):
        finalize = getattr(mod, "finalize", None)
        if finalize is not None:
            with db.session(SYSTEM) as s:
                out = finalize(s, random.Random(f"{seed}-{room}-final"))
            if out:
                lines.extend(out if isinstance(out, list) else [str(out)])
    return lines
