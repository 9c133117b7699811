"""Models of the Telegram connector."""
