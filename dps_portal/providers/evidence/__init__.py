"""Dated evidence a provider keeps current: insurance renewed before it lapses."""
