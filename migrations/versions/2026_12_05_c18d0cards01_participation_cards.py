"""cards: printed participation codes (sheets of one-time codes for a process or a meeting)

Revision ID: c18d0cards01
Revises: c18c0vote001
Create Date: 2026-12-05 12:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18d0cards01'
down_revision = 'c18c0vote001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
