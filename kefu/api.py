"""The JSON API under /api/v1/: one NinjaAPI, routers from each app, errors as stable codes."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kefu.assistant.api import router as assistant_router
from kefu.connectors.webchat.api import router as chat_router
from kefu.errors import ApiError
from kefu.helpcenter.actions import ContentError
from kefu.helpcenter.api import router as helpcenter_router
from kefu.helpcenter.search.engine import SearchError
from kefu.insights.incidents.api import router as incidents_router
from kefu.tickets.api import router as tickets_router
from kefu.trust.api import router as trust_router
from kefu.trust.ratelimit import RateLimited

logger = logging.getLogger(__name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "details": {},
        "retry_after": {"type": "integer"},
    },
}


class KefuAPI(NinjaAPI):
    """Every operation documents its errors too: the shape shared by all of them, as the
    ``default`` response, so clients (and the schema fuzzer) know what a 4xx looks like."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {
            "description": "An error, with a stable code",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("default", error)
        return schema


api = KefuAPI(
    title="Kefu API",
    version="1",
    description="Help center, assistant, chat and tickets of a Kefu support desk. "
    'Errors are JSON: {"code": "<stable code>", "message": "<for people>"}.',
    urls_namespace="api-v1",
)


def error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    extra = {"details": exc.details} if exc.details else {}
    return error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = error(request, 429, exc.code, exc.message, retry_after=exc.retry_after)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(SearchError)
def on_search_error(request: HttpRequest, exc: SearchError) -> HttpResponse:
    return error(request, 400, exc.code, exc.message)


@api.exception_handler(ContentError)
def on_content_error(request: HttpRequest, exc: ContentError) -> HttpResponse:
    return error(request, 404 if exc.code == "not_found" else 400, exc.code, exc.message)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body")) for e in exc.errors
    ]
    message = "Invalid request" + (
        f": check {', '.join(f for f in fields if f)}." if fields else "."
    )
    details = [
        {"field": f, "message": e.get("msg", "")} for f, e in zip(fields, exc.errors, strict=True)
    ]
    return error(request, 422, "invalid_request", message, details=details)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthenticated", "Sign in first.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, f"http_{exc.status_code}", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return error(request, 500, "internal_error", "Something went wrong on our side; try again.")


api.add_router("/help/", helpcenter_router)
api.add_router("/assistant/", assistant_router)
api.add_router("/chat/", chat_router)
api.add_router("/tickets/", tickets_router)
api.add_router("/trust/", trust_router)
api.add_router("/incidents/", incidents_router)
