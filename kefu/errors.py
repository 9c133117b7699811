"""Errors that reach clients carry a stable machine-readable code and a message for people."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(
        self, code: str, message: str, status: int = 400, *, details: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        # Per-field problems, for forms that show each next to its field.
        self.details = details or {}
