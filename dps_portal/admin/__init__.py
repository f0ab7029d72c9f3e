"""The administrators' pages: users and invitations."""
