"""scale: a consultation's counts and latest comments from indexes

The counts by stance come from (process_id, stance) alone, which also serves
what the index on process_id served; the commented opinions, newest first
under each stance, from a partial index of the commented ones (bench/README.md,
scale).

Revision ID: 5b1e7c2d9f40
Revises: 0977aaf168bc
Create Date: 2026-12-03 12:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9f40'
down_revision = '0977aaf168bc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_process_id'))
        batch_op.create_index('ix_participation_process_stance', ['process_id', 'stance'], unique=False)
        batch_op.create_index('ix_participation_commented', ['process_id', 'stance', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text("comment <> ''"), sqlite_where=sa.text("comment <> ''"))


def downgrade():
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index('ix_participation_commented')
        batch_op.drop_index('ix_participation_process_stance')
        batch_op.create_index(batch_op.f('ix_participation_process_id'), ['process_id'], unique=False)
