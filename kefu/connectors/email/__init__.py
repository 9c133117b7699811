"""The email channel: mailboxes polled over IMAP (or mail received over SMTP) become tickets and
customer replies; agents' replies and acknowledgements leave by SMTP from an outbox."""
