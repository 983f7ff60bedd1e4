"""Synthetic sample documents and cases with ground truth."""
