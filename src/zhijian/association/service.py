"""协会 services, re-exported for the other rooms' contracts (``room_call("association", …)``).

Each sub-package's service is the only writer of its tables; this module only names the contract functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from zhijian.association.pt.service import PtHistoryRecord, pt_history
from zhijian.platform.auth import Actor

__all__ = ["PtHistoryRecord", "dashboard_cards", "pt_history"]


def dashboard_cards(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Console home cards: the secretariat's open rounds and follow-ups; a lab's rounds and open follow-ups."""
    from zhijian.association.pt import service as pt

    if actor.role not in ("admin", "association", "inspector"):
        return []
    rounds = pt.list_rounds(session, actor)
    open_f = pt.follow_ups(session, actor, status="open")
    return [{"label": "能力验证轮次", "value": len(rounds), "href": "/console/association/pt"},
            {"label": "待答复的能力验证跟踪", "value": len(open_f), "href": "/console/association/pt/follow-ups"}]
