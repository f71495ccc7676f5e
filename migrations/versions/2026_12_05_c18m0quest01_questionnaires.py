"""questionnaires: questions, answers online, on paper and at the door

Revision ID: c18m0quest01
Revises: c18l0walk001
Create Date: 2026-12-05 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18m0quest01'
down_revision = 'c18l0walk001'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('intro', sa.Text(), server_default='', nullable=False),
    sa.Column('state', sa.String(length=8), server_default='draft', nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('allows_anonymous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('accepts_cards', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('opened_at', WHEN, nullable=True),
    sa.Column('closed_at', WHEN, nullable=True),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed')", name=op.f('ck_questionnaire_known_state')),
    sa.CheckConstraint('NOT accepts_cards OR process_id IS NOT NULL', name=op.f('ck_questionnaire_cards_need_process')),
    sa.CheckConstraint('process_id IS NULL OR meeting_id IS NULL', name=op.f('ck_questionnaire_one_source')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_questionnaire_commune_id_commune'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_questionnaire_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_questionnaire_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_questionnaire_process_id_process'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_process_id'), ['process_id'], unique=False)

    op.create_table('questionnaire_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('easy_read', sa.String(length=300), server_default='', nullable=False),
    sa.Column('required', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('choices', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("(kind IN ('one', 'many')) = (choices <> '')", name=op.f('ck_questionnaire_question_choices_for_choice_kinds')),
    sa.CheckConstraint("kind IN ('one', 'many', 'scale', 'text', 'number')", name=op.f('ck_questionnaire_question_known_kind')),
    sa.CheckConstraint('position >= 1', name=op.f('ck_questionnaire_question_position_positive')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_question_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_question'))
    )
    with op.batch_alter_table('questionnaire_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_question_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('questionnaire_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=6), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('qpv_id', sa.Integer(), nullable=True),
    sa.Column('age_band', sa.String(length=16), nullable=True),
    sa.Column('client_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.CheckConstraint("age_band IS NULL OR age_band IN ('under_18', '18_25', '26_44', '45_64', '65_plus')", name=op.f('ck_questionnaire_response_known_age_band')),
    sa.CheckConstraint("channel IN ('online', 'card', 'paper', 'door')", name=op.f('ck_questionnaire_response_known_channel')),
    sa.CheckConstraint("entered_by_id IS NULL OR channel IN ('paper', 'door')", name=op.f('ck_questionnaire_response_entered_only_by_hand')),
    sa.CheckConstraint("user_id IS NULL OR channel = 'online'", name=op.f('ck_questionnaire_response_account_only_online')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_questionnaire_response_commune_id_commune'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_questionnaire_response_entered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_questionnaire_response_qpv_id_qpv'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_response_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_questionnaire_response_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_response')),
    sa.UniqueConstraint('questionnaire_id', 'client_key', name=op.f('uq_questionnaire_response_questionnaire_id_client_key')),
    sa.UniqueConstraint('questionnaire_id', 'user_id', name=op.f('uq_questionnaire_response_questionnaire_id_user_id'))
    )
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_response_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_response_questionnaire_id'), ['questionnaire_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_response_user_id'), ['user_id'], unique=False)

    op.create_table('questionnaire_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Integer(), server_default='-1', nullable=False),
    sa.Column('scale', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('(CASE WHEN choice >= 0 THEN 1 ELSE 0 END) + (CASE WHEN scale IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN number IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN text IS NOT NULL THEN 1 ELSE 0 END) = 1', name=op.f('ck_questionnaire_answer_one_value')),
    sa.CheckConstraint('choice >= -1', name=op.f('ck_questionnaire_answer_choice_index')),
    sa.CheckConstraint('scale IS NULL OR scale BETWEEN 1 AND 5', name=op.f('ck_questionnaire_answer_scale_1_to_5')),
    sa.ForeignKeyConstraint(['question_id'], ['questionnaire_question.id'], name=op.f('fk_questionnaire_answer_question_id_questionnaire_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['questionnaire_response.id'], name=op.f('fk_questionnaire_answer_response_id_questionnaire_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_answer')),
    sa.UniqueConstraint('response_id', 'question_id', 'choice', name=op.f('uq_questionnaire_answer_response_id_question_id_choice'))
    )
    with op.batch_alter_table('questionnaire_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_answer_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_answer_response_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_answer_question_id'))

    op.drop_table('questionnaire_answer')
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_user_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_questionnaire_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_entered_by_id'))

    op.drop_table('questionnaire_response')
    with op.batch_alter_table('questionnaire_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_question_questionnaire_id'))

    op.drop_table('questionnaire_question')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_process_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_commune_id'))

    op.drop_table('questionnaire')
