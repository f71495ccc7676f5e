"""experience_fiches (feature: labo/fiches)

Revision ID: a8ebf5c4e005
Revises: f7dae4b3d004
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8ebf5c4e005'
down_revision = 'f7dae4b3d004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fiche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('public', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('what_worked', sa.Text(), nullable=False),
    sa.Column('difficulties', sa.Text(), nullable=False),
    sa.Column('resources', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=80), nullable=False),
    sa.Column('contact_details', sa.String(length=200), nullable=False),
    sa.Column('contact_consent', sa.Boolean(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('ambition_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('returned_reason', sa.Text(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('experience', 'methode', 'formation', 'compte_rendu')", name=op.f('ck_fiche_known_kind')),
    sa.CheckConstraint("level IN ('information', 'consultation', 'concertation', 'codecision')", name=op.f('ck_fiche_known_level')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'published')", name=op.f('ck_fiche_known_status')),
    sa.ForeignKeyConstraint(['ambition_id'], ['ambition.id'], name=op.f('fk_fiche_ambition_id_ambition'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_fiche_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_fiche_pillar_id_pillar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_fiche_published_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiche'))
    )
    with op.batch_alter_table('fiche', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_fiche_listing', ['status', 'published_at'], unique=False)

    op.create_table('fiche_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_fiche_attachment_size_positive')),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_attachment_fiche_id_fiche'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_fiche_attachment_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiche_attachment')),
    sa.UniqueConstraint('key', name=op.f('uq_fiche_attachment_key'))
    )
    with op.batch_alter_table('fiche_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_attachment_fiche_id'), ['fiche_id'], unique=False)

    op.create_table('fiche_commune',
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_fiche_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_commune_fiche_id_fiche'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fiche_id', 'commune_id', name=op.f('pk_fiche_commune'))
    )
    op.create_table('fiche_meeting',
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_meeting_fiche_id_fiche'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_fiche_meeting_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fiche_id', 'meeting_id', name=op.f('pk_fiche_meeting'))
    )
    with op.batch_alter_table('fiche_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_meeting_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('fiche_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_photo_fiche_id_fiche'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiche_photo')),
    sa.UniqueConstraint('key', name=op.f('uq_fiche_photo_key'))
    )
    with op.batch_alter_table('fiche_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_photo_fiche_id'), ['fiche_id'], unique=False)

    op.create_table('fiche_qpv',
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('qpv_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_qpv_fiche_id_fiche'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_fiche_qpv_qpv_id_qpv'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fiche_id', 'qpv_id', name=op.f('pk_fiche_qpv'))
    )
    op.create_table('fiche_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('editor_label', sa.String(length=80), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_fiche_revision_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_revision_fiche_id_fiche'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiche_revision')),
    sa.UniqueConstraint('fiche_id', 'number', name=op.f('uq_fiche_revision_fiche_id_number'))
    )
    with op.batch_alter_table('fiche_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_revision_fiche_id'), ['fiche_id'], unique=False)

    op.create_table('fiche_contribution',
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_fiche_contribution_contribution_id_contribution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fiche_contribution_fiche_id_fiche'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fiche_id', 'contribution_id', name=op.f('pk_fiche_contribution'))
    )
    with op.batch_alter_table('fiche_contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiche_contribution_contribution_id'), ['contribution_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fiche_contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiche_contribution_contribution_id'))

    op.drop_table('fiche_contribution')
    with op.batch_alter_table('fiche_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiche_revision_fiche_id'))

    op.drop_table('fiche_revision')
    op.drop_table('fiche_qpv')
    with op.batch_alter_table('fiche_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiche_photo_fiche_id'))

    op.drop_table('fiche_photo')
    with op.batch_alter_table('fiche_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiche_meeting_meeting_id'))

    op.drop_table('fiche_meeting')
    op.drop_table('fiche_commune')
    with op.batch_alter_table('fiche_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiche_attachment_fiche_id'))

    op.drop_table('fiche_attachment')
    with op.batch_alter_table('fiche', schema=None) as batch_op:
        batch_op.drop_index('ix_fiche_listing')
        batch_op.drop_index(batch_op.f('ix_fiche_author_id'))

    op.drop_table('fiche')
