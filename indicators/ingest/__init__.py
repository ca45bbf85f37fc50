"""Data coming in: bureau files, loads, templates, SQL sources, facilities, catalog edits."""
