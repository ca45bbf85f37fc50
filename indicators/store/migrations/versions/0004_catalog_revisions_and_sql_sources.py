"""catalog revisions (every change of an indicator's definition), the file's last values, SQL sources

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_values', sa.Text(), nullable=True))
    op.create_table('catalog_revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('catalog_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_revisions_indicator_code'), ['indicator_code'], unique=False)
    op.create_table('sql_sources',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('city_key', sa.String(length=32), nullable=True),
    sa.Column('every_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_status', sa.String(length=12), nullable=False),
    sa.Column('last_message', sa.Text(), nullable=False),
    sa.Column('last_batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('sql_sources')
    with op.batch_alter_table('catalog_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_revisions_indicator_code'))
    op.drop_table('catalog_revisions')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('file_values')
