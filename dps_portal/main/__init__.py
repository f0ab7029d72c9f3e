"""The front pages: each role's home, health, the accessibility statement."""
