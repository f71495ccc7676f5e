"""actors directory and ambassador activity

Revision ID: c4a7d1e0a001
Revises: bbb52e0044e0
Create Date: 2026-11-25 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7d1e0a001'
down_revision = 'bbb52e0044e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('actor_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('association', 'collectif', 'partenaire', 'service_public')", name=op.f('ck_actor_organisation_known_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_actor_organisation_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_organisation'))
    )
    op.create_table('actor_profile',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('public_email', sa.String(length=254), nullable=True),
    sa.Column('public_phone', sa.String(length=30), nullable=True),
    sa.Column('presentation', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_actor_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_actor_profile'))
    )
    op.create_table('actor_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('rencontre', 'relais', 'retour')", name=op.f('ck_actor_activity_known_kind')),
    sa.CheckConstraint('people_count IS NULL OR people_count >= 0', name=op.f('ck_actor_activity_people_count_positive')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_actor_activity_commune_id_commune'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_actor_activity_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_activity'))
    )
    with op.batch_alter_table('actor_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_activity_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actor_activity_user_id'), ['user_id'], unique=False)

    op.create_table('actor_organisation_ambition',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('ambition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ambition_id'], ['ambition.id'], name=op.f('fk_actor_organisation_ambition_ambition_id_ambition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['actor_organisation.id'], name=op.f('fk_actor_organisation_ambition_organisation_id_actor_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'ambition_id', name=op.f('pk_actor_organisation_ambition'))
    )
    op.create_table('actor_organisation_commune',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_actor_organisation_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['actor_organisation.id'], name=op.f('fk_actor_organisation_commune_organisation_id_actor_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'commune_id', name=op.f('pk_actor_organisation_commune'))
    )
    op.create_table('actor_profile_ambition',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('ambition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ambition_id'], ['ambition.id'], name=op.f('fk_actor_profile_ambition_ambition_id_ambition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['actor_profile.user_id'], name=op.f('fk_actor_profile_ambition_profile_id_actor_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'ambition_id', name=op.f('pk_actor_profile_ambition'))
    )
    op.create_table('actor_profile_commune',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_actor_profile_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['actor_profile.user_id'], name=op.f('fk_actor_profile_commune_profile_id_actor_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'commune_id', name=op.f('pk_actor_profile_commune'))
    )


def downgrade():
    op.drop_table('actor_profile_commune')
    op.drop_table('actor_profile_ambition')
    op.drop_table('actor_organisation_commune')
    op.drop_table('actor_organisation_ambition')
    with op.batch_alter_table('actor_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_activity_user_id'))
        batch_op.drop_index(batch_op.f('ix_actor_activity_commune_id'))

    op.drop_table('actor_activity')
    op.drop_table('actor_profile')
    op.drop_table('actor_organisation')
