"""Outgoing email: SMTP when configured, otherwise an outbox an administrator reads."""
