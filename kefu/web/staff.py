"""The gate of every staff page that shows customer data (desk, console, supervisor wall)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kefu.trust import access

View = Callable[..., HttpResponseBase]


def customer_data_required(view: View) -> View:
    """Signed-in staff only (else the sign-in page); content editors are refused (403): they
    work on the help center and never see customers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not access.sees_customer_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url="console-login")


def supervisor_required(view: View) -> View:
    """Supervisors and administrators; what they see there is scoped to their teams."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not access.is_supervisor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url="console-login")
