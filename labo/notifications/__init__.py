"""Notifications on the site (and by email when SMTP is configured)."""
