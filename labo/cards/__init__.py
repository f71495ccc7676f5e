"""Printed participation cards: sheets of one-time codes that let a person without an account take part once."""
