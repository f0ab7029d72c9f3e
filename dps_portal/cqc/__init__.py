"""What the Care Quality Commission publishes about care homes, imported from its files."""
