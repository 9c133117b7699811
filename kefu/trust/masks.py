"""Partial views of personal data, for staff who may know that a value exists but not read it:
enough to tell two customers apart on the phone ("a***@example.com", "***5678"), not enough to
contact or impersonate them."""

from __future__ import annotations

HIDDEN = "***"


def mask_email(value: str) -> str:
    local, at, domain = value.strip().partition("@")
    if not at:
        return mask_text(value)
    return f"{local[:1]}{HIDDEN}@{domain}"


def mask_phone(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    if len(digits) <= 4:
        return HIDDEN if value else ""
    return HIDDEN + "".join(digits[-4:])


def mask_text(value: str) -> str:
    value = value.strip()
    return f"{value[:1]}{HIDDEN}" if value else ""


MASKS = {"email": mask_email, "phone": mask_phone}


def mask(kind: str, value: str) -> str:
    """``value`` masked the way its kind is (email, phone; anything else: first letter)."""
    if not value:
        return ""
    return MASKS.get(kind, mask_text)(value)
