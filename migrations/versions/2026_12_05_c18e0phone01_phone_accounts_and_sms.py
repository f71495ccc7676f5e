"""accounts and sms: an account on a phone number, one-time sign-in codes, the SMS outbox and monthly count

user_account.phone (E.164, unique, optional); phone_code keeps the SMS
codes' keyed hashes (10 minutes, 5 tries, used once); sms_message is every
text message sent or kept and what became of it; sms_month_count the
messages counted against the monthly ceiling.

Revision ID: c18e0phone01
Revises: c18d0cards01
Create Date: 2026-12-05 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18e0phone01'
down_revision = 'c18d0cards01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_phone'), ['phone'])

    op.create_table(
        'phone_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_phone_code_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_code')),
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_code_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_code_user_id'), ['user_id'], unique=False)

    op.create_table(
        'sms_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recipient', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('backend', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('provider_message_id', sa.String(length=64), nullable=True),
        sa.Column('error_code', sa.String(length=32), nullable=True),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_sms_message_known_status')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_message')),
    )
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_message_recipient'), ['recipient'], unique=False)

    op.create_table(
        'sms_month_count',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_sms_month_count')),
    )


def downgrade():
    op.drop_table('sms_month_count')
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_message_recipient'))
        batch_op.drop_index(batch_op.f('ix_sms_message_created_at'))
    op.drop_table('sms_message')
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_code_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_code_phone'))
    op.drop_table('phone_code')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_phone'), type_='unique')
        batch_op.drop_column('phone')
