"""fund: the residents' micro-projects fund (rounds, applications, committee votes, payments, reports)

Revision ID: c18h0fund001
Revises: c18g0letter1
Create Date: 2026-12-05 14:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18h0fund001'
down_revision = 'c18g0letter1'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade():
    op.create_table('fund_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('envelope_cents', sa.Integer(), nullable=False),
    sa.Column('ceiling_cents', sa.Integer(), nullable=False),
    sa.Column('apply_until', sa.Date(), nullable=False),
    sa.Column('committee_on', sa.Date(), nullable=False),
    sa.Column('spend_within_days', sa.Integer(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('rules_easy', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('opened_at', WHEN, nullable=True),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'done')", name=op.f('ck_fund_round_known_state')),
    sa.CheckConstraint('ceiling_cents > 0 AND ceiling_cents <= envelope_cents', name=op.f('ck_fund_round_ceiling_within_envelope')),
    sa.CheckConstraint('committee_on >= apply_until', name=op.f('ck_fund_round_committee_after_applications')),
    sa.CheckConstraint('envelope_cents > 0', name=op.f('ck_fund_round_positive_envelope')),
    sa.CheckConstraint('spend_within_days > 0', name=op.f('ck_fund_round_positive_spend_within')),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_fund_round_commune_id_commune'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_fund_round_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_round'))
    )
    op.create_index(op.f('ix_fund_round_commune_id'), 'fund_round', ['commune_id'], unique=False)
    op.create_index(op.f('ix_fund_round_state'), 'fund_round', ['state'], unique=False)
    op.create_table('fund_committee_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_resident', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['fund_round.id'], name=op.f('fk_fund_committee_member_round_id_fund_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_fund_committee_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_committee_member')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_fund_committee_member_round_id_user_id'))
    )
    op.create_index(op.f('ix_fund_committee_member_user_id'), 'fund_committee_member', ['user_id'], unique=False)
    op.create_table('fund_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('for_whom', sa.Text(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('qpv_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('carrier_kind', sa.String(length=12), nullable=False),
    sa.Column('carrier_name', sa.String(length=160), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('entered_for_someone', sa.Boolean(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.Column('submitted_at', WHEN, nullable=True),
    sa.CheckConstraint("carrier_kind IN ('group', 'association')", name=op.f('ck_fund_application_known_carrier')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'decided')", name=op.f('ck_fund_application_known_status')),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents > 0', name=op.f('ck_fund_application_positive_amount')),
    sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name=op.f('ck_fund_application_ends_after_start')),
    sa.ForeignKeyConstraint(['applicant_id'], ['user_account.id'], name=op.f('fk_fund_application_applicant_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_fund_application_commune_id_commune'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_fund_application_contribution_id_contribution'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_fund_application_entered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_fund_application_qpv_id_qpv'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['fund_round.id'], name=op.f('fk_fund_application_round_id_fund_round'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_application'))
    )
    op.create_index(op.f('ix_fund_application_applicant_id'), 'fund_application', ['applicant_id'], unique=False)
    op.create_index(op.f('ix_fund_application_commune_id'), 'fund_application', ['commune_id'], unique=False)
    op.create_index(op.f('ix_fund_application_contribution_id'), 'fund_application', ['contribution_id'], unique=False)
    op.create_index(op.f('ix_fund_application_round_id'), 'fund_application', ['round_id'], unique=False)
    op.create_index(op.f('ix_fund_application_status'), 'fund_application', ['status'], unique=False)
    op.create_table('fund_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=160), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_fund_budget_line_positive_amount')),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], name=op.f('fk_fund_budget_line_application_id_fund_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_budget_line'))
    )
    op.create_index(op.f('ix_fund_budget_line_application_id'), 'fund_budget_line', ['application_id'], unique=False)
    op.create_table('fund_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('amount_granted_cents', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('from_paper', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', WHEN, nullable=False),
    sa.Column('published_at', WHEN, nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('spend_by', sa.Date(), nullable=True),
    sa.Column('deadline_alerted_at', WHEN, nullable=True),
    sa.CheckConstraint("(outcome = 'granted' AND amount_granted_cents > 0) OR (outcome = 'refused' AND amount_granted_cents = 0)", name=op.f('ck_fund_decision_amount_matches_outcome')),
    sa.CheckConstraint("outcome IN ('granted', 'refused')", name=op.f('ck_fund_decision_known_outcome')),
    sa.CheckConstraint("paid_on IS NULL OR outcome = 'granted'", name=op.f('ck_fund_decision_paid_only_if_granted')),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], name=op.f('fk_fund_decision_application_id_fund_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_fund_decision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_decision')),
    sa.UniqueConstraint('application_id', name=op.f('uq_fund_decision_application_id'))
    )
    op.create_index(op.f('ix_fund_decision_published_at'), 'fund_decision', ['published_at'], unique=False)
    op.create_table('fund_opinion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('referent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.CheckConstraint("kind IN ('favourable', 'reserved', 'unfavourable')", name=op.f('ck_fund_opinion_known_kind')),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], name=op.f('fk_fund_opinion_application_id_fund_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referent_id'], ['user_account.id'], name=op.f('fk_fund_opinion_referent_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_opinion')),
    sa.UniqueConstraint('application_id', name=op.f('uq_fund_opinion_application_id'))
    )
    op.create_table('fund_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('fiche_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], name=op.f('fk_fund_report_application_id_fund_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_fund_report_fiche_id_fiche'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user_account.id'], name=op.f('fk_fund_report_posted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_report')),
    sa.UniqueConstraint('application_id', name=op.f('uq_fund_report_application_id'))
    )
    op.create_index(op.f('ix_fund_report_fiche_id'), 'fund_report', ['fiche_id'], unique=False)
    op.create_table('fund_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name=op.f('ck_fund_vote_known_choice')),
    sa.ForeignKeyConstraint(['application_id'], ['fund_application.id'], name=op.f('fk_fund_vote_application_id_fund_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['user_account.id'], name=op.f('fk_fund_vote_member_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_vote')),
    sa.UniqueConstraint('member_id', 'application_id', name=op.f('uq_fund_vote_member_id_application_id'))
    )
    op.create_index(op.f('ix_fund_vote_application_id'), 'fund_vote', ['application_id'], unique=False)
    op.create_table('fund_report_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['fund_report.id'], name=op.f('fk_fund_report_photo_report_id_fund_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_report_photo')),
    sa.UniqueConstraint('key', name=op.f('uq_fund_report_photo_key'))
    )
    op.create_index(op.f('ix_fund_report_photo_report_id'), 'fund_report_photo', ['report_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_fund_report_photo_report_id'), table_name='fund_report_photo')
    op.drop_table('fund_report_photo')
    op.drop_index(op.f('ix_fund_vote_application_id'), table_name='fund_vote')
    op.drop_table('fund_vote')
    op.drop_index(op.f('ix_fund_report_fiche_id'), table_name='fund_report')
    op.drop_table('fund_report')
    op.drop_table('fund_opinion')
    op.drop_index(op.f('ix_fund_decision_published_at'), table_name='fund_decision')
    op.drop_table('fund_decision')
    op.drop_index(op.f('ix_fund_budget_line_application_id'), table_name='fund_budget_line')
    op.drop_table('fund_budget_line')
    op.drop_index(op.f('ix_fund_application_status'), table_name='fund_application')
    op.drop_index(op.f('ix_fund_application_round_id'), table_name='fund_application')
    op.drop_index(op.f('ix_fund_application_contribution_id'), table_name='fund_application')
    op.drop_index(op.f('ix_fund_application_commune_id'), table_name='fund_application')
    op.drop_index(op.f('ix_fund_application_applicant_id'), table_name='fund_application')
    op.drop_table('fund_application')
    op.drop_index(op.f('ix_fund_committee_member_user_id'), table_name='fund_committee_member')
    op.drop_table('fund_committee_member')
    op.drop_index(op.f('ix_fund_round_state'), table_name='fund_round')
    op.drop_index(op.f('ix_fund_round_commune_id'), table_name='fund_round')
    op.drop_table('fund_round')
