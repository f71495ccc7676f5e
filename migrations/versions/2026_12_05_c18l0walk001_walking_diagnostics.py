"""walking diagnostics: walks and their findings

Revision ID: c18l0walk001
Revises: c18k0train01
Create Date: 2026-12-05 15:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18l0walk001'
down_revision = 'c18k0train01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
