"""Security headers on every response: a strict Content-Security-Policy and a Permissions-Policy.

Django's SecurityMiddleware and XFrameOptionsMiddleware already send nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy, X-Frame-Options and HSTS; Django 5.2 has no CSP of its own. The
policy is the same for every page because no page has inline script, style or handlers (the
console reads its data from a ``json_script`` block, which is data, not code), so no nonce is
needed and one small middleware does it. A view that needs a stricter policy (downloads) sets
its own header, which is left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Handler = Callable[[HttpRequest], HttpResponseBase]
AsyncHandler = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def content_security_policy(request: HttpRequest) -> str:
    """``settings.KEFU_CONTENT_SECURITY_POLICY`` with this host's WebSocket origin added to
    ``connect-src``: CSP level 3 counts same-origin ws/wss as 'self', older browsers do not."""
    directives = {
        name: list(sources) for name, sources in settings.KEFU_CONTENT_SECURITY_POLICY.items()
    }
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    if host and "connect-src" in directives:
        directives["connect-src"].append(f"{'wss' if request.is_secure() else 'ws'}://{host}")
    if settings.KEFU_HTTPS:
        directives["upgrade-insecure-requests"] = []
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def _add_headers(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if "Content-Security-Policy" not in response:
        response["Content-Security-Policy"] = content_security_policy(request)
    if "Permissions-Policy" not in response:
        response["Permissions-Policy"] = settings.KEFU_PERMISSIONS_POLICY
    return response


class SecurityHeadersMiddleware:
    """Sync or async, like the request: no thread hop under ASGI."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler | AsyncHandler):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        return _add_headers(request, response)  # type: ignore[arg-type]

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)  # type: ignore[misc]
        return _add_headers(request, response)
