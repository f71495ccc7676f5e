"""opinions: the Labo's formal opinions and their addressees' answers

Revision ID: c18i0avis001
Revises: c18h0fund001
Create Date: 2026-12-05 14:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18i0avis001'
down_revision = 'c18h0fund001'
branch_labels = None
depends_on = None


WHEN = sa.DateTime(timezone=True)
INDEXED = ('commune_id', 'partner_id', 'meeting_id', 'decision_id', 'process_id', 'issued_on', 'answer_due_on')


def upgrade():
    op.create_table(
        'labo_opinion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('asks', sa.Text(), nullable=False),
        sa.Column('addressee', sa.String(length=10), nullable=False),
        sa.Column('commune_id', sa.Integer(), nullable=True),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('process_id', sa.Integer(), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('answer_due_on', sa.Date(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('answer_decision', sa.Text(), nullable=True),
        sa.Column('answer_reasons', sa.Text(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', WHEN, nullable=False),
        sa.CheckConstraint("addressee IN ('copil', 'commune', 'partner')",
                           name=op.f('ck_labo_opinion_known_addressee')),
        sa.CheckConstraint("(addressee = 'commune') = (commune_id IS NOT NULL)",
                           name=op.f('ck_labo_opinion_commune_addressee')),
        sa.CheckConstraint("(addressee = 'partner') = (partner_id IS NOT NULL)",
                           name=op.f('ck_labo_opinion_partner_addressee')),
        sa.CheckConstraint("(answer_decision IS NULL) = (answered_on IS NULL)",
                           name=op.f('ck_labo_opinion_answer_whole')),
        sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_labo_opinion_commune_id_commune'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_labo_opinion_partner_id_partner'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_labo_opinion_meeting_id_meeting'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decision_id'], ['meeting_decision.id'],
                                name=op.f('fk_labo_opinion_decision_id_meeting_decision'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_labo_opinion_process_id_process'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'],
                                name=op.f('fk_labo_opinion_issued_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                                name=op.f('fk_labo_opinion_answered_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_labo_opinion')),
    )
    with op.batch_alter_table('labo_opinion', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_labo_opinion_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('labo_opinion', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_labo_opinion_{column}'))
    op.drop_table('labo_opinion')
