"""partners_and_commitments (feature: labo/partners)

Revision ID: f7dae4b3d004
Revises: e6c9f3a2c003
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7dae4b3d004'
down_revision = 'e6c9f3a2c003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
