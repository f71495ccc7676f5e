"""The audit log: who did what, when, readable by administrators."""
