"""training sessions: their public, trainer and materials

A training session (a meeting of kind 'training') has one or several publics
(training_audience: residents, elected officials, staff), a trainer (an
account, or a name typed in) and materials (training_material: published
fiches). On its attendance sheet each person may be marked as resident,
elected official or staff (meeting_registration.audience).

Revision ID: c18k0train01
Revises: c18j0kind001
Create Date: 2026-12-05 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18k0train01'
down_revision = 'c18j0kind001'
branch_labels = None
depends_on = None

AUDIENCES = "('resident', 'elected', 'staff')"


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trainer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('trainer_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_trainer_id_user_account'), 'user_account',
                                    ['trainer_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            'trainer_of_training', "kind = 'training' OR (trainer_id IS NULL AND trainer_name = '')")
        batch_op.create_check_constraint('one_trainer', "trainer_id IS NULL OR trainer_name = ''")

    with op.batch_alter_table('meeting_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=12), nullable=True))
        batch_op.create_check_constraint('known_audience', f"audience IS NULL OR audience IN {AUDIENCES}")

    op.create_table('training_audience',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=12), nullable=False),
    sa.CheckConstraint(f"audience IN {AUDIENCES}", name=op.f('ck_training_audience_known_audience')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_training_audience_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'audience', name=op.f('pk_training_audience'))
    )
    op.create_table('training_material',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('fiche_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fiche_id'], ['fiche.id'], name=op.f('fk_training_material_fiche_id_fiche'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_training_material_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'fiche_id', name=op.f('pk_training_material'))
    )
    with op.batch_alter_table('training_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_material_fiche_id'), ['fiche_id'], unique=False)


def downgrade():
    with op.batch_alter_table('training_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_material_fiche_id'))
    op.drop_table('training_material')
    op.drop_table('training_audience')

    with op.batch_alter_table('meeting_registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_meeting_registration_known_audience'), type_='check')
        batch_op.drop_column('audience')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_meeting_one_trainer'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_meeting_trainer_of_training'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_meeting_trainer_id_user_account'), type_='foreignkey')
        batch_op.drop_column('trainer_name')
        batch_op.drop_column('trainer_id')
