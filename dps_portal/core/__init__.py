"""Shared pieces every feature uses: models' base, clock, money, working days, access."""
