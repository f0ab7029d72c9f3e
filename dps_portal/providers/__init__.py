"""Provider organisations and their care homes (CQC locations)."""
