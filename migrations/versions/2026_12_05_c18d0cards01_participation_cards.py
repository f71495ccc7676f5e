"""cards: printed participation codes (sheets of one-time codes for a process or a meeting)

Revision ID: c18d0cards01
Revises: c18c0vote001
Create Date: 2026-12-05 12:30:00

"""
from alembic import op
import sqlalchemy as sa


CARD = "channel = 'card'"


# revision identifiers, used by Alembic.
revision = 'c18d0cards01'
down_revision = 'c18c0vote001'
branch_labels = None
depends_on = None


def upgrade():
    # A process accepts printed cards beside accounts; a participation and a ballot say their channel.
    # Plain ADD COLUMN (no table rebuild): the ballot table is WITHOUT ROWID on SQLite and must stay so.
    op.add_column('process', sa.Column('accepts_cards', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('participation', sa.Column('channel', sa.String(length=16), nullable=False, server_default='online'))
    op.add_column('ballot', sa.Column('channel', sa.String(length=16), nullable=False, server_default='online'))
    op.create_index('ix_participation_card', 'participation', ['process_id', 'stance'], unique=False,
                    postgresql_where=sa.text(CARD), sqlite_where=sa.text(CARD))
    op.create_index('ix_ballot_card', 'ballot', ['process_id'], unique=False,
                    postgresql_where=sa.text(CARD), sqlite_where=sa.text(CARD))

    op.create_table(
        'card_sheet',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('printed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('size >= 1', name=op.f('ck_card_sheet_positive_size')),
        sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_card_sheet_process_id_process'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_card_sheet_meeting_id_meeting'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'],
                                name=op.f('fk_card_sheet_printed_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                                name=op.f('fk_card_sheet_revoked_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_sheet')),
    )
    op.create_index(op.f('ix_card_sheet_process_id'), 'card_sheet', ['process_id'], unique=False)
    op.create_index(op.f('ix_card_sheet_meeting_id'), 'card_sheet', ['meeting_id'], unique=False)

    op.create_table(
        'participation_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sheet_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('used_at IS NULL OR revoked_at IS NULL', name=op.f('ck_participation_card_used_or_revoked')),
        sa.ForeignKeyConstraint(['sheet_id'], ['card_sheet.id'], name=op.f('fk_participation_card_sheet_id_card_sheet'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_participation_card_process_id_process'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_card')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_participation_card_code_hash')),
    )
    op.create_index(op.f('ix_participation_card_sheet_id'), 'participation_card', ['sheet_id'], unique=False)
    op.create_index(op.f('ix_participation_card_process_id'), 'participation_card', ['process_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_participation_card_process_id'), table_name='participation_card')
    op.drop_index(op.f('ix_participation_card_sheet_id'), table_name='participation_card')
    op.drop_table('participation_card')
    op.drop_index(op.f('ix_card_sheet_meeting_id'), table_name='card_sheet')
    op.drop_index(op.f('ix_card_sheet_process_id'), table_name='card_sheet')
    op.drop_table('card_sheet')
    op.drop_index('ix_ballot_card', table_name='ballot')
    op.drop_index('ix_participation_card', table_name='participation')
    with op.batch_alter_table('participation') as batch_op:
        batch_op.drop_column('channel')
    # SQLite (3.35 and later) drops the column in place: no rebuild, so the
    # table keeps WITHOUT ROWID; batch mode would rebuild it without.
    op.execute('ALTER TABLE ballot DROP COLUMN channel')
    with op.batch_alter_table('process') as batch_op:
        batch_op.drop_column('accepts_cards')
