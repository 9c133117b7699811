"""Telegram: a Bot API connector (webhook in, Bot API out)."""
