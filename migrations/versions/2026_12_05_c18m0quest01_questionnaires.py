"""questionnaires: questions, answers online, on paper and at the door

Revision ID: c18m0quest01
Revises: c18l0walk001
Create Date: 2026-12-05 15:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c18m0quest01'
down_revision = 'c18l0walk001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
