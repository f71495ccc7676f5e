"""workshops: what the wall shows while the room votes (live, ranked or blind)

Revision ID: c18c0vote001
Revises: c18b0guest01
Create Date: 2026-12-05 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18c0vote001'
down_revision = 'c18b0guest01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop_board', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_display', sa.String(length=8), nullable=False, server_default='live'))
        batch_op.create_check_constraint('known_vote_display', "vote_display IN ('live', 'ranked', 'blind')")


def downgrade():
    with op.batch_alter_table('workshop_board', schema=None) as batch_op:
        batch_op.drop_constraint('ck_workshop_board_known_vote_display', type_='check')
        batch_op.drop_column('vote_display')
