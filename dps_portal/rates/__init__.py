"""The rate card: pre-agreed weekly rates per home, category and setting, with their history."""
