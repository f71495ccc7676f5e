"""letters: the Labo's letter per commune, its subscribers (email or phone, double opt-in) and deliveries

Revision ID: c18g0letter1
Revises: c18f0tick001
Create Date: 2026-12-05 12:35:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18g0letter1'
down_revision = 'c18f0tick001'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
    op.create_table(
        'letter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commune_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('intro', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('since', WHEN, nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.Column('sent_at', WHEN, nullable=True),
        sa.Column('sent_count', sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'sent')", name=op.f('ck_letter_known_status')),
        sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_letter_commune_id_commune'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_letter_created_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter')),
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_sent_at'), ['sent_at'], unique=False)
    op.create_table(
        'letter_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('at', WHEN, nullable=True),
        sa.Column('place', sa.String(length=420), nullable=False),
        sa.Column('path', sa.String(length=200), nullable=False),
        sa.Column('kept', sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('meeting', 'process', 'return', 'decision', 'fiche')",
                           name=op.f('ck_letter_item_known_kind')),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_item_letter_id_letter'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_item')),
    )
    with op.batch_alter_table('letter_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_item_letter_id'), ['letter_id'], unique=False)
    op.create_table(
        'letter_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('commune_id', sa.Integer(), nullable=True),
        sa.Column('scope_key', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=True),
        sa.Column('via_id', sa.Integer(), nullable=True),
        sa.Column('via_letter_id', sa.Integer(), nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.Column('confirmed_at', WHEN, nullable=True),
        sa.Column('unsubscribed_at', WHEN, nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_letter_subscription_known_channel')),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')",
                           name=op.f('ck_letter_subscription_known_status')),
        sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_letter_subscription_commune_id_commune'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['via_id'], ['user_account.id'],
                                name=op.f('fk_letter_subscription_via_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['via_letter_id'], ['letter.id'],
                                name=op.f('fk_letter_subscription_via_letter_id_letter'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_subscription')),
        sa.UniqueConstraint('channel', 'address', 'scope_key',
                            name=op.f('uq_letter_subscription_channel_address_scope_key')),
    )
    with op.batch_alter_table('letter_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_subscription_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_subscription_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_subscription_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_subscription_via_id'), ['via_id'], unique=False)
    op.create_table(
        'letter_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('claimed_at', WHEN, nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', WHEN, nullable=True),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_delivery_letter_id_letter'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscription_id'], ['letter_subscription.id'],
                                name=op.f('fk_letter_delivery_subscription_id_letter_subscription'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_delivery')),
        sa.UniqueConstraint('letter_id', 'subscription_id', name=op.f('uq_letter_delivery_letter_id_subscription_id')),
    )
    with op.batch_alter_table('letter_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_delivery_subscription_id'), ['subscription_id'], unique=False)
    op.create_table(
        'letter_handout',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('copies', sa.Integer(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.CheckConstraint('copies > 0', name=op.f('ck_letter_handout_positive_copies')),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_handout_letter_id_letter'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_letter_handout_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_handout')),
    )
    with op.batch_alter_table('letter_handout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_handout_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_handout_user_id'), ['user_id'], unique=False)
    op.create_table(
        'letter_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=False),
        sa.Column('relay_id', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_visit_letter_id_letter'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['relay_id'], ['user_account.id'], name=op.f('fk_letter_visit_relay_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_visit')),
        sa.UniqueConstraint('letter_id', 'relay_id', name=op.f('uq_letter_visit_letter_id_relay_id')),
    )
    with op.batch_alter_table('letter_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_visit_relay_id'), ['relay_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letter_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_visit_relay_id'))
    op.drop_table('letter_visit')
    with op.batch_alter_table('letter_handout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_handout_user_id'))
        batch_op.drop_index(batch_op.f('ix_letter_handout_letter_id'))
    op.drop_table('letter_handout')
    with op.batch_alter_table('letter_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_delivery_subscription_id'))
    op.drop_table('letter_delivery')
    with op.batch_alter_table('letter_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_subscription_via_id'))
        batch_op.drop_index(batch_op.f('ix_letter_subscription_created_at'))
        batch_op.drop_index(batch_op.f('ix_letter_subscription_commune_id'))
        batch_op.drop_index(batch_op.f('ix_letter_subscription_address'))
    op.drop_table('letter_subscription')
    with op.batch_alter_table('letter_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_item_letter_id'))
    op.drop_table('letter_item')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_sent_at'))
        batch_op.drop_index(batch_op.f('ix_letter_commune_id'))
    op.drop_table('letter')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('headers')
