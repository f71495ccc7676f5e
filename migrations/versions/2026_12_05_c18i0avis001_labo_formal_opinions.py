"""opinions: the Labo's formal opinions and their addressees' answers

Revision ID: c18i0avis001
Revises: c18h0fund001
Create Date: 2026-12-05 14:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18i0avis001'
down_revision = 'c18h0fund001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
