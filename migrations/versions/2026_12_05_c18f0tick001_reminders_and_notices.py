"""reminders: meeting reminders and change notices, each message once per recipient (flask labo tick)

Revision ID: c18f0tick001
Revises: c18e0phone01
Create Date: 2026-12-05 12:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18f0tick001'
down_revision = 'c18e0phone01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'meeting_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('was_starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('was_place', sa.String(length=420), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('moved', 'cancelled')", name=op.f('ck_meeting_change_known_kind')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_change_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_change')),
    )
    with op.batch_alter_table('meeting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_change_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_change_created_at'), ['created_at'], unique=False)
    op.create_table(
        'sent_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=True),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['registration_id'], ['meeting_registration.id'],
                                name=op.f('fk_sent_message_registration_id_meeting_registration'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sent_message_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_message')),
        sa.UniqueConstraint('key', name=op.f('uq_sent_message_key')),
    )
    with op.batch_alter_table('sent_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_message_claimed_at'), ['claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_message_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_message_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sent_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_sent_message_registration_id'))
        batch_op.drop_index(batch_op.f('ix_sent_message_claimed_at'))
    op.drop_table('sent_message')
    with op.batch_alter_table('meeting_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_change_created_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_change_meeting_id'))
    op.drop_table('meeting_change')
    with op.batch_alter_table('meeting_registration', schema=None) as batch_op:
        batch_op.drop_column('promoted_at')
        batch_op.drop_column('locale')
