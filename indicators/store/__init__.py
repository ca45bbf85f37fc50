"""The SQL store: engine, tables, migrations, bulk writes and derived indicators."""
