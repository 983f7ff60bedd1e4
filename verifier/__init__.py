"""Checklist completeness, cross-document rules, decisions and notices."""
