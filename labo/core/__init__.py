"""Shared foundations: the database base class, sanitising, i18n helpers."""
