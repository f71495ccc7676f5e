"""fund: the residents' micro-projects fund (rounds, applications, committee votes, payments, reports)

Revision ID: c18h0fund001
Revises: c18g0letter1
Create Date: 2026-12-05 14:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18h0fund001'
down_revision = 'c18g0letter1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
