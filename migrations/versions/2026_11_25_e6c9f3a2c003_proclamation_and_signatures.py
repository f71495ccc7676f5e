"""proclamation_and_signatures (feature: labo/proclamation)

Revision ID: e6c9f3a2c003
Revises: d5b8e2f1b002
Create Date: 2026-11-25 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6c9f3a2c003'
down_revision = 'd5b8e2f1b002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
