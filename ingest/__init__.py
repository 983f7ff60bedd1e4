"""Intake, durable storage, page normalisation and OCR engines."""
