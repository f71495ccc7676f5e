"""participation processes: processes, options, participations, secret and open ballots, tallies, proposals, questions; residents' QPV and in-person verification

Revision ID: b9fc06d5f006
Revises: a8ebf5c4e005
Create Date: 2026-11-25 18:13:20

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9fc06d5f006'
down_revision = 'a8ebf5c4e005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('easy_read', sa.Text(), nullable=False),
    sa.Column('decider', sa.String(length=160), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('decision_rule', sa.Text(), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_by', sa.Date(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('verified_only', sa.Boolean(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('ambition_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('result_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_text', sa.Text(), nullable=False),
    sa.Column('return_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(level = 'information' AND method IN ('questions')) OR (level = 'consultation' AND method IN ('avis', 'single', 'approval', 'majority_judgment')) OR (level = 'concertation' AND method IN ('proposals')) OR (level = 'codecision' AND method IN ('majority_judgment', 'single', 'approval'))", name=op.f('ck_process_method_fits_level')),
    sa.CheckConstraint("audience IN ('everyone', 'territory')", name=op.f('ck_process_known_audience')),
    sa.CheckConstraint("level IN ('information', 'consultation', 'concertation', 'codecision')", name=op.f('ck_process_known_level')),
    sa.CheckConstraint("method IN ('questions', 'avis', 'proposals', 'single', 'approval', 'majority_judgment')", name=op.f('ck_process_known_method')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_process_closes_after_opening')),
    sa.CheckConstraint('max_choices IS NULL OR max_choices >= 1', name=op.f('ck_process_positive_max_choices')),
    sa.ForeignKeyConstraint(['ambition_id'], ['ambition.id'], name=op.f('fk_process_ambition_id_ambition'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_process_commune_id_commune'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_process_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_process_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_process_pillar_id_pillar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['returned_by_id'], ['user_account.id'], name=op.f('fk_process_returned_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process'))
    )
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_opens_at'), ['opens_at'], unique=False)

    op.create_table('participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('qpv_id', sa.Integer(), nullable=True),
    sa.Column('age_band', sa.String(length=16), nullable=True),
    sa.Column('stance', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stance IS NULL OR stance IN ('favorable', 'reserve', 'defavorable')", name=op.f('ck_participation_known_stance')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_participation_commune_id_commune'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_participation_process_id_process'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_participation_qpv_id_qpv'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_participation_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participation')),
    sa.UniqueConstraint('process_id', 'user_id', name=op.f('uq_participation_process_id_user_id'))
    )
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participation_user_id'), ['user_id'], unique=False)

    op.create_table('process_commune',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_process_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_commune_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'commune_id', name=op.f('pk_process_commune'))
    )
    op.create_table('process_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_option_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_option'))
    )
    with op.batch_alter_table('process_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_option_process_id'), ['process_id'], unique=False)

    op.create_table('process_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IS NULL OR decision IN ('retenue', 'non_retenue')", name=op.f('ck_process_proposal_known_decision')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_process_proposal_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_process_proposal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_proposal_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_proposal'))
    )
    with op.batch_alter_table('process_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_proposal_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_proposal_process_id'), ['process_id'], unique=False)

    op.create_table('process_qpv',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('qpv_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_qpv_process_id_process'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_process_qpv_qpv_id_qpv'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'qpv_id', name=op.f('pk_process_qpv'))
    )
    op.create_table('process_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_process_question_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_process_question_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_question_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_question'))
    )
    with op.batch_alter_table('process_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_question_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_question_process_id'), ['process_id'], unique=False)

    op.create_table('process_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('place', sa.String(length=160), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('photo_key', sa.String(length=64), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('paper', 'workshop')", name=op.f('ck_process_tally_known_channel')),
    sa.CheckConstraint('participants >= 0', name=op.f('ck_process_tally_participants_not_negative')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_process_tally_commune_id_commune'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_process_tally_entered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_process_tally_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_tally')),
    sa.UniqueConstraint('photo_key', name=op.f('uq_process_tally_photo_key'))
    )
    with op.batch_alter_table('process_tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_tally_process_id'), ['process_id'], unique=False)

    op.create_table('ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('participation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['participation_id'], ['participation.id'], name=op.f('fk_ballot_participation_id_participation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_ballot_process_id_process'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('participation_id', name=op.f('uq_ballot_participation_id')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_process_id'), ['process_id'], unique=False)

    op.create_table('process_proposal_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['process_proposal.id'], name=op.f('fk_process_proposal_support_proposal_id_process_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_process_proposal_support_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_proposal_support')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_process_proposal_support_proposal_id_user_id'))
    )
    with op.batch_alter_table('process_proposal_support', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_proposal_support_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_proposal_support_user_id'), ['user_id'], unique=False)

    op.create_table('process_tally_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tally_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.Column('stance', sa.String(length=16), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("stance IS NULL OR stance IN ('favorable', 'reserve', 'defavorable')", name=op.f('ck_process_tally_line_known_stance')),
    sa.CheckConstraint('(option_id IS NULL) <> (stance IS NULL)', name=op.f('ck_process_tally_line_option_or_stance')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_process_tally_line_count_not_negative')),
    sa.ForeignKeyConstraint(['option_id'], ['process_option.id'], name=op.f('fk_process_tally_line_option_id_process_option'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tally_id'], ['process_tally.id'], name=op.f('fk_process_tally_line_tally_id_process_tally'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_tally_line'))
    )
    with op.batch_alter_table('process_tally_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_tally_line_tally_id'), ['tally_id'], unique=False)

    op.create_table('ballot_choice',
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_ballot_choice_ballot_id_ballot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['process_option.id'], name=op.f('fk_ballot_choice_option_id_process_option'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'option_id', name=op.f('pk_ballot_choice')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_choice_option_id'), ['option_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_qpv_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_account_verified_by_id_user_account'), 'user_account', ['verified_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_user_account_home_qpv_id_qpv'), 'qpv', ['home_qpv_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_home_qpv_id_qpv'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_user_account_verified_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('home_qpv_id')

    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_choice_option_id'))

    op.drop_table('ballot_choice')
    with op.batch_alter_table('process_tally_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_tally_line_tally_id'))

    op.drop_table('process_tally_line')
    with op.batch_alter_table('process_proposal_support', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_proposal_support_user_id'))
        batch_op.drop_index(batch_op.f('ix_process_proposal_support_proposal_id'))

    op.drop_table('process_proposal_support')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_process_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('process_tally', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_tally_process_id'))

    op.drop_table('process_tally')
    with op.batch_alter_table('process_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_question_process_id'))
        batch_op.drop_index(batch_op.f('ix_process_question_author_id'))

    op.drop_table('process_question')
    op.drop_table('process_qpv')
    with op.batch_alter_table('process_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_proposal_process_id'))
        batch_op.drop_index(batch_op.f('ix_process_proposal_author_id'))

    op.drop_table('process_proposal')
    with op.batch_alter_table('process_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_option_process_id'))

    op.drop_table('process_option')
    op.drop_table('process_commune')
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_user_id'))
        batch_op.drop_index(batch_op.f('ix_participation_process_id'))

    op.drop_table('participation')
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_opens_at'))
        batch_op.drop_index(batch_op.f('ix_process_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_process_level'))
        batch_op.drop_index(batch_op.f('ix_process_commune_id'))

    op.drop_table('process')
