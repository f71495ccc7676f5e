"""walking diagnostics: walks and their findings

Revision ID: c18l0walk001
Revises: c18k0train01
Create Date: 2026-12-05 15:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18l0walk001'
down_revision = 'c18k0train01'
branch_labels = None
depends_on = None


WHEN = sa.DateTime(timezone=True)
CATEGORIES = "'lighting', 'cleanliness', 'safety', 'accessibility', 'green', 'housing', 'other'"
STATUSES = "'new', 'rejected', 'merged', 'sent', 'answered', 'in_progress', 'done', 'refused'"
FINDING_INDEXED = ('walk_id', 'author_id', 'status', 'partner_id')


def upgrade():
    op.create_table(
        'walk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('qpv_id', sa.Integer(), nullable=True),
        sa.Column('meeting_point', sa.String(length=240), nullable=False),
        sa.Column('route', sa.Text(), nullable=False),
        sa.Column('invites_residents', sa.Boolean(), nullable=False),
        sa.Column('invites_landlord', sa.Boolean(), nullable=False),
        sa.Column('invites_services', sa.Boolean(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_walk_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_walk_qpv_id_qpv'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_walk')),
        sa.UniqueConstraint('meeting_id', name=op.f('uq_walk_meeting_id')),
    )
    with op.batch_alter_table('walk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_walk_qpv_id'), ['qpv_id'], unique=False)

    op.create_table(
        'walk_finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('walk_id', sa.Integer(), nullable=False),
        sa.Column('client_key', sa.String(length=40), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('street', sa.String(length=160), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('photo_key', sa.String(length=64), nullable=True),
        sa.Column('photo_content_type', sa.String(length=32), nullable=True),
        sa.Column('photo_width', sa.Integer(), nullable=True),
        sa.Column('photo_height', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('service_name', sa.String(length=160), nullable=False),
        sa.Column('sent_at', WHEN, nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_at', WHEN, nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f('ck_walk_finding_known_category')),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_walk_finding_known_status')),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name=op.f('ck_walk_finding_position_whole')),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
                           name=op.f('ck_walk_finding_position_range')),
        sa.ForeignKeyConstraint(['walk_id'], ['walk.id'], name=op.f('fk_walk_finding_walk_id_walk'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_walk_finding_author_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['merged_into_id'], ['walk_finding.id'],
                                name=op.f('fk_walk_finding_merged_into_id_walk_finding'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_walk_finding_partner_id_partner'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                                name=op.f('fk_walk_finding_answered_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_finding')),
        sa.UniqueConstraint('photo_key', name=op.f('uq_walk_finding_photo_key')),
        sa.UniqueConstraint('walk_id', 'client_key', name=op.f('uq_walk_finding_walk_id_client_key')),
    )
    with op.batch_alter_table('walk_finding', schema=None) as batch_op:
        for column in FINDING_INDEXED:
            batch_op.create_index(batch_op.f(f'ix_walk_finding_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('walk_finding', schema=None) as batch_op:
        for column in FINDING_INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_walk_finding_{column}'))
    op.drop_table('walk_finding')
    with op.batch_alter_table('walk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_walk_qpv_id'))
    op.drop_table('walk')
