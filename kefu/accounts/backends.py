"""Authentication with role-based permissions on top of Django's model backend."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from .roles import ROLE_GRANTS, grants


class RoleBackend(ModelBackend):
    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        perms = super().get_group_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return perms
        if not hasattr(user_obj, "_role_perm_cache"):
            role = getattr(user_obj, "role", "")
            apps = list(ROLE_GRANTS.get(role, {}))
            user_obj._role_perm_cache = {
                f"{app}.{codename}"
                for app, codename in Permission.objects.filter(
                    content_type__app_label__in=apps
                ).values_list("content_type__app_label", "codename")
                if grants(role, app, codename)
            }
        return perms | user_obj._role_perm_cache

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return {*self.get_user_permissions(user_obj), *self.get_group_permissions(user_obj)}
