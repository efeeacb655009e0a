"""Use cases. They take the acting user as an argument, flush but never commit."""
