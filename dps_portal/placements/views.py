"""Placement pages (see blueprint.py)."""
