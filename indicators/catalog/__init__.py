"""Vocabulary of indicators, pure: the catalog file, formulas, year-to-date arithmetic, levels, periods, search."""
