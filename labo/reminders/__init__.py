"""Reminders before a meeting, notices when it changes, and `flask labo tick`."""
