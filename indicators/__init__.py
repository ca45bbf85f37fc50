"""Indicator layer: catalog, SQL store, importers, demo data, queries and warnings."""
