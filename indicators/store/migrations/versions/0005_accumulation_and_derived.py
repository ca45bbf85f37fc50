"""how values accumulate (period, year-to-date, stock), derived indicators, published growth rates; the
single-period values of year-to-date series in ``latest``

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite would otherwise rebuild ``indicators``, which observations reference.
    op.add_column('indicators', sa.Column('accumulation', sa.String(length=8), nullable=False,
                                          server_default='period'))
    op.add_column('indicators', sa.Column('jan_feb_merged', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('indicators', sa.Column('derived', sa.String(length=400), nullable=False, server_default=''))
    op.add_column('indicators', sa.Column('growth_of', sa.String(length=24), nullable=False, server_default=''))
    op.add_column('latest', sa.Column('period_value', sa.Float(), nullable=True))
    op.add_column('latest', sa.Column('period_yoy_value', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('latest', schema=None) as batch_op:
        batch_op.drop_column('period_yoy_value')
        batch_op.drop_column('period_value')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('growth_of')
        batch_op.drop_column('derived')
        batch_op.drop_column('jan_feb_merged')
        batch_op.drop_column('accumulation')
