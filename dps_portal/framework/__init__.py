"""The DPS itself as data: its categories (lots), districts and care settings."""
