from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict[str, str]:
    return {"exchange_name": settings.KEFU_EXCHANGE_NAME}
