"""Document renderers: each returns page images (or a PDF) and the ground-truth fields."""
