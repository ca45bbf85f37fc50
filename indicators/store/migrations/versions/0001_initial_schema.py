"""initial schema

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('rule', sa.String(length=24), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('sentence_zh', sa.Text(), nullable=False),
    sa.Column('sentence_en', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('period', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_area_adcode'), ['area_adcode'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_indicator_code'), ['indicator_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_state'), ['state'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('cities',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('adcode', sa.String(length=12), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key'),
    sa.UniqueConstraint('adcode')
    )
    op.create_table('forecast_runs',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('mase', sa.Float(), nullable=True),
    sa.Column('smape', sa.Float(), nullable=True),
    sa.Column('data_version', sa.String(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode')
    )
    op.create_table('forecasts',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('yhat', sa.Float(), nullable=False),
    sa.Column('lower_80', sa.Float(), nullable=False),
    sa.Column('upper_80', sa.Float(), nullable=False),
    sa.Column('lower_95', sa.Float(), nullable=False),
    sa.Column('upper_95', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode', 'period')
    )
    op.create_table('indicators',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('theme', sa.String(length=24), nullable=False),
    sa.Column('topics', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('direction', sa.String(length=12), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('source_standard', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('spatial_level', sa.String(length=12), nullable=False),
    sa.Column('aggregation', sa.String(length=40), nullable=False),
    sa.Column('blue', sa.Float(), nullable=True),
    sa.Column('yellow', sa.Float(), nullable=True),
    sa.Column('orange', sa.Float(), nullable=True),
    sa.Column('red', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.Column('typical', sa.Float(), nullable=False),
    sa.Column('sensitivity', sa.String(length=12), nullable=False),
    sa.Column('headline', sa.Boolean(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('catalog_version', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_theme'), ['theme'], unique=False)

    op.create_table('latest',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('prev_value', sa.Float(), nullable=True),
    sa.Column('yoy_value', sa.Float(), nullable=True),
    sa.Column('first_period', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('recent', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode')
    )
    with op.batch_alter_table('latest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_latest_area_adcode'), ['area_adcode'], unique=False)

    op.create_table('load_batches',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('meta',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('city_key', sa.String(length=32), nullable=True),
    sa.Column('districts', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('alert_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_events_alert_id'), ['alert_id'], unique=False)

    op.create_table('areas',
    sa.Column('adcode', sa.String(length=12), nullable=False),
    sa.Column('city_key', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['city_key'], ['cities.key'], ),
    sa.PrimaryKeyConstraint('adcode')
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_city_key'), ['city_key'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('old_value', sa.Float(), nullable=False),
    sa.Column('new_value', sa.Float(), nullable=False),
    sa.Column('old_batch_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('revised_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index('ix_revisions_series', ['indicator_code', 'area_adcode', 'period'], unique=False)

    op.create_table('observations',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('flags', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_adcode'], ['areas.adcode'], ),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicators.code'], ),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode', 'period'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index('ix_observations_indicator_period', ['indicator_code', 'period'], unique=False)

    op.create_table('threshold_overrides',
    sa.Column('indicator_code', sa.String(length=24), nullable=False),
    sa.Column('area_adcode', sa.String(length=12), nullable=False),
    sa.Column('blue', sa.Float(), nullable=False),
    sa.Column('yellow', sa.Float(), nullable=False),
    sa.Column('orange', sa.Float(), nullable=False),
    sa.Column('red', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['area_adcode'], ['areas.adcode'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicators.code'], ),
    sa.PrimaryKeyConstraint('indicator_code', 'area_adcode')
    )


def downgrade() -> None:
    op.drop_table('threshold_overrides')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index('ix_observations_indicator_period')

    op.drop_table('observations')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_revisions_series')

    op.drop_table('revisions')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_city_key'))

    op.drop_table('areas')
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_events_alert_id'))

    op.drop_table('alert_events')
    op.drop_table('users')
    op.drop_table('meta')
    op.drop_table('load_batches')
    with op.batch_alter_table('latest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_latest_area_adcode'))

    op.drop_table('latest')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_theme'))

    op.drop_table('indicators')
    op.drop_table('forecasts')
    op.drop_table('forecast_runs')
    op.drop_table('cities')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_state'))
        batch_op.drop_index(batch_op.f('ix_alerts_indicator_code'))
        batch_op.drop_index(batch_op.f('ix_alerts_area_adcode'))

    op.drop_table('alerts')
