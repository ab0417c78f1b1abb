"""epcis_event_key keyed by (event_id, declared): an error declaration (EPCIS 2.0 §7.4.1.2) repeats the eventID
and the content of the event it declares, so under the key of one row per eventID it was counted as a duplicate
and dropped. A stored key row whose event is itself a declaration (one captured before the event it declares) is
marked `declared`.

Downgrade: a declaration's key row goes where the eventID has its event's row too (the declaration's event row
stays in epcis_event, as it did when the key was the eventID alone).

Revision ID: a4c7e9f2d1b6
Revises: d8c3f5a1b9e2
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a4c7e9f2d1b6'
down_revision: str | None = 'd8c3f5a1b9e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('epcis_event_key') as batch:
        batch.add_column(sa.Column('declared', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute('UPDATE epcis_event_key SET declared = TRUE WHERE event_pk IN '
               '(SELECT e.id FROM epcis_event e WHERE e.error_declared = TRUE)')
    with op.batch_alter_table('epcis_event_key') as batch:
        batch.drop_constraint('pk_epcis_event_key', type_='primary')
        batch.create_primary_key('pk_epcis_event_key', ['event_id', 'declared'])
        batch.alter_column('declared', existing_type=sa.Boolean(), existing_nullable=False, server_default=None)


def downgrade() -> None:
    op.execute('DELETE FROM epcis_event_key WHERE declared = TRUE AND event_id IN '
               '(SELECT k.event_id FROM (SELECT event_id FROM epcis_event_key WHERE declared = FALSE) k)')
    with op.batch_alter_table('epcis_event_key') as batch:
        batch.drop_constraint('pk_epcis_event_key', type_='primary')
        batch.create_primary_key('pk_epcis_event_key', ['event_id'])
        batch.drop_column('declared')
