"""Small pure normalisers for values read from documents (money, dates, IDs, names)."""
