"""Award pages (see blueprint.py)."""
