"""Benchmarks: commands that measure, not timed tests."""
