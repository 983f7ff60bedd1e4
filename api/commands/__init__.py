"""CLI command groups mounted by api.cli."""
