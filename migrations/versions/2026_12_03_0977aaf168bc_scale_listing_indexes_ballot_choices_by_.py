"""scale: listing indexes, ballot choices by option and grade

The contribution lists (all communes, one commune) read their page in index
order, without sorting the published rows; a process's results are counted
from ballot_choice (option_id, grade) alone (bench/README.md, scale).

Revision ID: 0977aaf168bc
Revises: a03abe2188e3
Create Date: 2026-12-03 08:02:08.862882

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0977aaf168bc'
down_revision = 'a03abe2188e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_choice_option_id'))
        batch_op.create_index('ix_ballot_choice_option_grade', ['option_id', 'grade'], unique=False)

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_commune_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_listing'))
        batch_op.create_index('ix_contribution_listing', ['visibility', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_contribution_commune_listing', ['commune_id', 'visibility', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index('ix_contribution_commune_listing')
        batch_op.drop_index('ix_contribution_listing')
        batch_op.create_index(batch_op.f('ix_contribution_listing'), ['visibility', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_commune_id'), ['commune_id'], unique=False)

    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_choice_option_grade')
        batch_op.create_index(batch_op.f('ix_ballot_choice_option_id'), ['option_id'], unique=False)
