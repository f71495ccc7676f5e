"""partners_and_commitments (feature: labo/partners)

Revision ID: f7dae4b3d004
Revises: e6c9f3a2c003
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7dae4b3d004'
down_revision = 'e6c9f3a2c003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('etat', 'region', 'departement', 'caf', 'bailleur', 'commune', 'intercommunalite', 'autre')", name=op.f('ck_partner_known_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner')),
    sa.UniqueConstraint('slug', name=op.f('uq_partner_slug'))
    )
    op.create_table('partner_commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('referent_name', sa.String(length=120), nullable=False),
    sa.Column('referent_email', sa.String(length=254), nullable=True),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('reminded_for', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("family IN ('pilotage', 'cooperation', 'evaluation', 'financement')", name=op.f('ck_partner_commitment_known_family')),
    sa.CheckConstraint("status IN ('a_engager', 'en_cours', 'tenu', 'non_tenu')", name=op.f('ck_partner_commitment_known_status')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_partner_commitment_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_commitment'))
    )
    with op.batch_alter_table('partner_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_commitment_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_commitment_next_review_on'), ['next_review_on'], unique=False)

    op.create_table('partner_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('status_after', sa.String(length=16), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('file_key', sa.String(length=40), nullable=True),
    sa.Column('file_name', sa.String(length=120), nullable=True),
    sa.Column('file_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status_after IN ('a_engager', 'en_cours', 'tenu', 'non_tenu')", name=op.f('ck_partner_follow_up_known_status')),
    sa.CheckConstraint('file_size IS NULL OR file_size >= 0', name=op.f('ck_partner_follow_up_file_size_positive')),
    sa.ForeignKeyConstraint(['commitment_id'], ['partner_commitment.id'], name=op.f('fk_partner_follow_up_commitment_id_partner_commitment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_partner_follow_up_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_follow_up')),
    sa.UniqueConstraint('file_key', name=op.f('uq_partner_follow_up_file_key'))
    )
    with op.batch_alter_table('partner_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_follow_up_commitment_id'), ['commitment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_follow_up_commitment_id'))

    op.drop_table('partner_follow_up')
    with op.batch_alter_table('partner_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_commitment_next_review_on'))
        batch_op.drop_index(batch_op.f('ix_partner_commitment_partner_id'))

    op.drop_table('partner_commitment')
    op.drop_table('partner')
