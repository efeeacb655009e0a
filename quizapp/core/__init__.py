"""Pure domain rules: no Flask, no SQLAlchemy; time and randomness come in as arguments."""
