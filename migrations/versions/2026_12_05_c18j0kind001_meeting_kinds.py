"""meetings: a kind (Labo meeting, training, walking diagnostic, network meeting, event)

Revision ID: c18j0kind001
Revises: c18i0avis001
Create Date: 2026-12-05 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18j0kind001'
down_revision = 'c18i0avis001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='labo', nullable=False))
        batch_op.create_index(batch_op.f('ix_meeting_kind'), ['kind'], unique=False)
        batch_op.create_check_constraint(
            'known_kind', "kind IN ('labo', 'training', 'walk', 'network', 'event')")


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_meeting_known_kind'), type_='check')
        batch_op.drop_index(batch_op.f('ix_meeting_kind'))
        batch_op.drop_column('kind')
