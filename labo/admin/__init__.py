"""Administration: accounts and roles, the audit log, the outbox."""
