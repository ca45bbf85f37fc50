"""facilities: the points of the map's thematic layers

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('facilities',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('city_key', sa.String(length=32), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_adcode'], ['areas.adcode'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.id'], ),
    sa.ForeignKeyConstraint(['city_key'], ['cities.key'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_city_key'), ['city_key'], unique=False)
        batch_op.create_index('ix_facilities_city_kind', ['city_key', 'kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index('ix_facilities_city_kind')
        batch_op.drop_index(batch_op.f('ix_facilities_city_key'))

    op.drop_table('facilities')
