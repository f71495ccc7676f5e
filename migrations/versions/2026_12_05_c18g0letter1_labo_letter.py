"""letters: the Labo's letter per commune, its subscribers (email or phone, double opt-in) and deliveries

Revision ID: c18g0letter1
Revises: c18f0tick001
Create Date: 2026-12-05 12:35:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18g0letter1'
down_revision = 'c18f0tick001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
