"""Renewed self-declarations: an officer asks an admitted provider to confirm again."""
