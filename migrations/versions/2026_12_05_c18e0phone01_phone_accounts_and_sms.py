"""accounts and sms: an account on a phone number, one-time sign-in codes, the SMS outbox and monthly count

Revision ID: c18e0phone01
Revises: c18d0cards01
Create Date: 2026-12-05 12:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18e0phone01'
down_revision = 'c18d0cards01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
