"""experience_fiches (feature: labo/fiches)

Revision ID: a8ebf5c4e005
Revises: f7dae4b3d004
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8ebf5c4e005'
down_revision = 'f7dae4b3d004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
