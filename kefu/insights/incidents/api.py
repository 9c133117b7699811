"""Public incident status under /api/v1/incidents/ (banners in the help center and widget)."""

from ninja import Router

router = Router(tags=["incidents"])
