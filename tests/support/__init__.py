"""Harnesses shared by the tests and the benchmarks: fault injection and hand-made Dash requests."""
