"""Evaluation pages (see blueprint.py)."""
