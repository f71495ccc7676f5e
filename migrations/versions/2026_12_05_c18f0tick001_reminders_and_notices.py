"""reminders: meeting reminders and change notices, each message once per recipient (flask labo tick)

Revision ID: c18f0tick001
Revises: c18e0phone01
Create Date: 2026-12-05 12:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18f0tick001'
down_revision = 'c18e0phone01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
