"""The contract gate: terms and conditions, suspensions, and eligibility for placements."""
