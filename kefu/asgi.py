"""ASGI entry point: HTTP through Django, WebSocket through Channels, one application."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

from a2wsgi import WSGIMiddleware
from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application

# Django's ASGI handler runs a sync view through a chain of thread hops (two for each
# middleware, more for signals): about 2.3 ms of CPU for even a health check on our 2-core
# machine. Its WSGI handler on a bounded pool of threads costs one hop per request instead.
# Static files are served by the same process so that embedded mode needs nothing else; in
# scaled mode a load balancer or CDN in front may serve /static/ instead.
django_http = WSGIMiddleware(
    StaticFilesHandler(get_wsgi_application()),  # type: ignore[arg-type]  # responses iterate
    workers=settings.KEFU_HTTP_THREADS,
)

from kefu.jobs.lifespan import with_jobs  # noqa: E402
from kefu.loop_watch import watched  # noqa: E402
from kefu.memory import settle_after_start_up  # noqa: E402
from kefu.sockets import websocket_urlpatterns  # noqa: E402
from kefu.trust.logs import install_on_server_loggers  # noqa: E402

install_on_server_loggers()  # the server configured its log handlers before loading Kefu

application = with_jobs(
    ProtocolTypeRouter(
        {
            "http": django_http,
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
if settings.KEFU_LOOP_STALL_MS > 0:
    application = watched(application, settings.KEFU_LOOP_STALL_MS)

# The channel layer's backend (redis-py in scaled mode: about 0.1 s of imports) loads now, not
# on the event loop when the first socket subscribes.
get_channel_layer()

settle_after_start_up()  # last: everything loaded so far lives as long as the process
