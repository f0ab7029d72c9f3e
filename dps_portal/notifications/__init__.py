"""In-portal notifications and the email outbox with its SMTP sender."""
