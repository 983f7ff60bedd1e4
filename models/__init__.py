"""Domain models (pydantic v2) and the service-item catalog data."""
