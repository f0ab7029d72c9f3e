"""Action plans after a visit: the provider reads its visits and answers each action; the
quality monitor verifies the answer and closes the action or sends it back."""
