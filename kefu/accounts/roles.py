"""What each staff role may do in the back office, as Django permissions.

Roles are fixed by the product, so they live in code rather than in editable groups: an admin
cannot accidentally give content editors access to customer data.
"""

from __future__ import annotations

from .models import Role

ALL = ("add", "change", "delete", "view")

# role -> app label -> permission actions granted on every model of that app
ROLE_GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.AGENT: {"helpcenter": ("view",), "accounts": ("view",)},
    Role.SUPERVISOR: {"helpcenter": ("view",), "accounts": ("view",), "events": ("view",)},
    Role.CONTENT_EDITOR: {"helpcenter": ALL},
    Role.ADMIN: {},  # administrators are superusers
}


def grants(role: str, app_label: str, codename: str) -> bool:
    actions = ROLE_GRANTS.get(role, {}).get(app_label, ())
    return codename.split("_", 1)[0] in actions
