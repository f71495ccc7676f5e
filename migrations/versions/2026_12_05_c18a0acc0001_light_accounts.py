"""accounts: an email is optional, confirmed before it is attached; one-time reset codes

user_account.email may be empty; an address typed waits in pending_email
until its owner opens the link mailed to it; a referent's one-time code to
change the password is kept hashed, with its expiry.

Revision ID: c18a0acc0001
Revises: 5b1e7c2d9f40
Create Date: 2026-12-05 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c18a0acc0001'
down_revision = '5b1e7c2d9f40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('reset_code_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('reset_code_expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Accounts created without an address get one that can receive nothing
    # (".invalid" is reserved), so that the column can be required again.
    op.execute("UPDATE user_account SET email = 'sans-adresse-' || id || '@labo.invalid' WHERE email IS NULL")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('reset_code_expires_at')
        batch_op.drop_column('reset_code_hash')
        batch_op.drop_column('pending_email')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
