"""proclamation_and_signatures (feature: labo/proclamation)

Revision ID: e6c9f3a2c003
Revises: d5b8e2f1b002
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6c9f3a2c003'
down_revision = 'd5b8e2f1b002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proclamation_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_proclamation_version_number_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_proclamation_version_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proclamation_version')),
    sa.UniqueConstraint('number', name=op.f('uq_proclamation_version_number'))
    )
    op.create_table('proclamation_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=True),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('person_user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_name', sa.String(length=160), nullable=True),
    sa.Column('organisation_key', sa.String(length=160), nullable=True),
    sa.Column('representative_name', sa.String(length=80), nullable=True),
    sa.Column('representative_role', sa.String(length=80), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('personne', 'organisation')", name=op.f('ck_proclamation_signature_known_kind')),
    sa.CheckConstraint("category IS NULL OR category IN ('habitant', 'membre_association', 'agent_municipal', 'agent_institution', 'elu', 'autre')", name=op.f('ck_proclamation_signature_known_category')),
    sa.CheckConstraint("(kind = 'personne' AND category IS NOT NULL AND person_user_id IS NOT NULL AND organisation_key IS NULL) OR (kind = 'organisation' AND category IS NULL AND person_user_id IS NULL AND organisation_key IS NOT NULL AND organisation_name IS NOT NULL AND representative_name IS NOT NULL)", name=op.f('ck_proclamation_signature_kind_fields')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_proclamation_signature_commune_id_commune'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_user_id'], ['user_account.id'], name=op.f('fk_proclamation_signature_person_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signer_id'], ['user_account.id'], name=op.f('fk_proclamation_signature_signer_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proclamation_signature')),
    sa.UniqueConstraint('organisation_key', name=op.f('uq_proclamation_signature_organisation_key')),
    sa.UniqueConstraint('person_user_id', name=op.f('uq_proclamation_signature_person_user_id'))
    )
    with op.batch_alter_table('proclamation_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proclamation_signature_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proclamation_signature_signer_id'), ['signer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('proclamation_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proclamation_signature_signer_id'))
        batch_op.drop_index(batch_op.f('ix_proclamation_signature_commune_id'))

    op.drop_table('proclamation_signature')
    op.drop_table('proclamation_version')
