"""contributions: posted without an account, and reworded by their authors

A guest's name, optional contact and the hash of its private link on the
contribution; what a contribution said before each rewording, for the
moderators.

Revision ID: c18b0guest01
Revises: c18a0acc0001
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18b0guest01'
down_revision = 'c18a0acc0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guest_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('guest_contact', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('guest_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_contribution_guest_key'), ['guest_key'])
    op.create_table(
        'contribution_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=140), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('hidden_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'],
                                name=op.f('fk_contribution_revision_contribution_id_contribution'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_revision')),
    )
    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_revision_contribution_id'), ['contribution_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_revision_contribution_id'))
    op.drop_table('contribution_revision')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contribution_guest_key'), type_='unique')
        batch_op.drop_column('guest_key')
        batch_op.drop_column('guest_contact')
        batch_op.drop_column('guest_name')
