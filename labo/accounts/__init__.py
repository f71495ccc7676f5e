"""Accounts: registration, login, password reset, profile, and roles."""
