"""Every request of a signed-in staff member is checked here, after Django's and django-otp's
authentication middleware: a session that skipped the second sign-in step counts as nobody,
and one past its idle or absolute limit is signed out. Views, the admin and the API therefore
never see a half-signed-in or stale account, whatever decorator they use."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from . import staff_session
from .staff_session import Standing


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Sessions without a signed-in account (visitors, customers) cost nothing here.
        if request.session.get(SESSION_KEY) is not None:
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        user = request.user
        if not user.is_authenticated:
            return
        verdict = staff_session.standing(request.session, user.is_verified())  # type: ignore[union-attr,attr-defined]
        if verdict is Standing.ACTIVE:
            staff_session.touch(request.session)
            return
        if verdict is Standing.UNVERIFIED:
            # The session keeps a sign-in in progress; it just does not count as signed in.
            self.as_nobody(request)
        else:
            staff_session.end(request, verdict)
            self.as_nobody(request)

    @staticmethod
    def as_nobody(request: HttpRequest) -> None:
        nobody = AnonymousUser()
        request.user = nobody

        async def auser() -> AnonymousUser:
            return nobody

        request.auser = auser  # type: ignore[attr-defined]
