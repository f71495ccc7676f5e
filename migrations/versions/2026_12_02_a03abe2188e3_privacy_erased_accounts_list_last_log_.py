"""privacy: erased accounts list, last log-in, supports kept unsigned on erasure

Revision ID: a03abe2188e3
Revises: 60c503c6a251
Create Date: 2026-12-02 18:36:38.526247

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a03abe2188e3'
down_revision = '60c503c6a251'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('erased_account',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_erased_account'))
    )
    with op.batch_alter_table('contribution_support', schema=None) as batch_op:
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('fk_contribution_support_user_id_user_account'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_contribution_support_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('process_proposal_support', schema=None) as batch_op:
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('fk_process_proposal_support_user_id_user_account'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_process_proposal_support_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))




def downgrade():
    # Supports left by erased accounts have no one to belong to in the old schema.
    op.execute("DELETE FROM contribution_support WHERE user_id IS NULL")
    op.execute("DELETE FROM process_proposal_support WHERE user_id IS NULL")
    
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')

    with op.batch_alter_table('process_proposal_support', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_proposal_support_user_id_user_account'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_process_proposal_support_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('contribution_support', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contribution_support_user_id_user_account'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_contribution_support_user_id_user_account'), 'user_account', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    op.drop_table('erased_account')

