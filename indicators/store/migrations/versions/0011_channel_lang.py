"""webhook channels have a language (their alerts and briefings in English on request)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notify_channels') as batch:
        batch.add_column(sa.Column('lang', sa.String(length=2), nullable=False, server_default='zh'))


def downgrade() -> None:
    with op.batch_alter_table('notify_channels') as batch:
        batch.drop_column('lang')
