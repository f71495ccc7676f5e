"""Text messages: phone numbers in E.164, and `send_sms()` through a provider or the outbox."""
