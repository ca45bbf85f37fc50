"""hourly indicators: values by the hour, their revisions, the daily indicator each rolls up into

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite would otherwise rebuild ``indicators``, which observations reference.
    op.add_column('indicators', sa.Column('rolls_up_to', sa.String(length=24), nullable=False, server_default=''))
    op.create_table('hourly_observations',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('flags', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_adcode'], ['areas.adcode'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicators.code'], ),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode', 'observed_at')
    )
    op.create_index('ix_hourly_observations_observed_at', 'hourly_observations', ['observed_at'], unique=False)
    op.create_table('hourly_revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('old_value', sa.Float(), nullable=False),
    sa.Column('new_value', sa.Float(), nullable=False),
    sa.Column('old_batch_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('revised_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_hourly_revisions_batch', 'hourly_revisions', ['batch_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_hourly_revisions_batch', table_name='hourly_revisions')
    op.drop_table('hourly_revisions')
    op.drop_index('ix_hourly_observations_observed_at', table_name='hourly_observations')
    op.drop_table('hourly_observations')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('rolls_up_to')
