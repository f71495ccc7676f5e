"""training sessions: their public, trainer and materials

Revision ID: c18k0train01
Revises: c18j0kind001
Create Date: 2026-12-05 15:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18k0train01'
down_revision = 'c18j0kind001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
