"""Users, roles, signing in and out, and the emailed links that set passwords."""
