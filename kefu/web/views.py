"""Error pages: JSON with a stable code under /api/, friendly HTML elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"code": "internal_error", "message": "Something went wrong on our side; try again."},
            status=500,
        )
    return render(request, "500.html", status=500)


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
