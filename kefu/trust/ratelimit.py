"""Rate limits per client address and per customer, counted in fixed windows in the cache.

The cache is Redis in scaled mode, shared by every web process, and ``add`` then ``incr`` are
atomic there, so all processes enforce one limit together; embedded mode's in-memory cache does
the same within its single process. Limits come from ``settings.KEFU_RATE_LIMITS``, keyed
``"<scope>.ip"`` and ``"<scope>.customer"`` with values like ``"20/10s"`` (or ``"off"``), and
are read on every check so they can be changed at run time and in tests.

A fixed window lets a client spend up to twice the limit across a window boundary; that is the
price of one round trip per check, and still stops floods, which is what these limits are for.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kefu import clock
from kefu.errors import ApiError

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


class RateLimited(ApiError):
    """Too many requests; ``retry_after`` is how many seconds until the window reopens."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(
            "rate_limited",
            _("Too many requests. Please try again in %(seconds)d seconds.")
            % {"seconds": self.retry_after},
            429,
        )


@lru_cache(maxsize=256)
def parse_rate(text: str) -> Rate | None:
    """``"20/10s"``, ``"5/m"``, ``"100/1h"`` → a rate; ``"off"`` (or ``"0"``) → no limit."""
    if text.strip().lower() in {"off", "none", "0", ""}:
        return None
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"Rate limits look like '20/10s', not {text!r}.")
    count, amount, unit = match.groups()
    seconds = int(amount or "1") * _UNITS[unit]
    if seconds < 1:
        raise ValueError(f"A rate limit's window must be at least one second: {text!r}.")
    return Rate(int(count), seconds)


def rate_for(scope: str, kind: str) -> Rate | None:
    limits = settings.KEFU_RATE_LIMITS
    if limits is None:
        return None
    value = limits.get(f"{scope}.{kind}")
    return parse_rate(value) if value else None


def client_address(address: str | None) -> str | None:
    """The address a client is counted under: IPv6 by its /64, the block one host is given.

    Behind a reverse proxy the server (uvicorn: ``--forwarded-allow-ips``) puts the client's own
    address here from ``X-Forwarded-For``; trusting that header anywhere else would let anyone
    choose their address.
    """
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address) + "/64"
    return str(ip)


def request_address(request: HttpRequest) -> str | None:
    return client_address(request.META.get("REMOTE_ADDR"))


def _exempt(address: str) -> bool:
    for block in settings.KEFU_RATE_LIMIT_EXEMPT:
        try:
            if ipaddress.ip_address(address.split("/")[0]) in ipaddress.ip_network(block):
                return True
        except ValueError:
            continue
    return False


def _window_key(key: str, rate: Rate, now: float) -> str:
    window = int(now // rate.seconds)
    return f"{settings.KEFU_RATE_LIMIT_PREFIX}:{key}:{rate.seconds}:{window}"


def _over(hits: int, rate: Rate, now: float) -> int | None:
    """The seconds until the window ends when ``hits`` is over the limit, else ``None``."""
    if hits <= rate.count:
        return None
    window = int(now // rate.seconds)
    return math.ceil((window + 1) * rate.seconds - now)


def _count(key: str, rate: Rate, now: float) -> int | None:
    """Count one hit in the current window; the seconds until it ends when over the limit."""
    full_key = _window_key(key, rate, now)
    # The key outlives its window a little so a slow clock on another process still sees it.
    timeout = rate.seconds + 5
    if cache.add(full_key, 1, timeout):
        hits = 1
    else:
        try:
            hits = cache.incr(full_key)
        except ValueError:  # expired between add and incr
            cache.add(full_key, 1, timeout)
            hits = 1
    return _over(hits, rate, now)


def hit(scope: str, *, ip: str | None = None, customer: object = None) -> None:
    """Count one use of ``scope`` by this address and this customer (any stable key: a
    customer's pk, a conversation); ``RateLimited`` when either is over its limit."""
    now = clock.now().timestamp()  # the desk's clock, which tests can stop
    waits = [_count(key, rate, now) for key, rate in _counters(scope, ip, customer)]
    _raise_if_over(waits)


async def ahit(scope: str, *, ip: str | None = None, customer: object = None) -> None:
    """:func:`hit` for the event loop. On Redis, :func:`hit` waits for two round trips per
    counter with the whole loop stopped: a chat server checked every customer message that
    way. Here all the counters take one script call, awaited; the keys and counts are
    :func:`hit`'s, so both count together. The in-memory cache has no round trip to save."""
    counters = _counters(scope, ip, customer)
    if not counters:
        return
    store = caches["default"]
    if not isinstance(store, RedisCache):
        hit(scope, ip=ip, customer=customer)
        return
    now = clock.now().timestamp()
    keys = [(_window_key(key, rate, now), rate) for key, rate in counters]
    hits = await _redis_count()(
        keys=[store.make_and_validate_key(key) for key, _rate in keys],
        args=[rate.seconds + 5 for _key, rate in keys],
    )
    _raise_if_over([_over(int(n), rate, now) for n, (_key, rate) in zip(hits, keys, strict=True)])


# What ``cache.add(key, 1, timeout)`` then ``cache.incr(key)`` do, for every key, in one call.
_COUNT = """
local hits = {}
for i, key in ipairs(KEYS) do
    hits[i] = redis.call('INCR', key)
    if hits[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return hits
"""


def _counters(scope: str, ip: str | None, customer: object) -> list[tuple[str, Rate]]:
    counters = []
    if ip and not _exempt(ip):
        rate = rate_for(scope, "ip")
        if rate is not None:
            counters.append((f"{scope}:ip:{ip}", rate))
    if customer is not None and customer != "":
        rate = rate_for(scope, "customer")
        if rate is not None:
            counters.append((f"{scope}:customer:{customer}", rate))
    return counters


def _raise_if_over(waits: list[int | None]) -> None:
    over = [w for w in waits if w is not None]
    if over:
        raise RateLimited(max(over))


# One asyncio Redis client (and its counting script) per event loop: a process has one loop,
# tests start many.
_counts: dict[asyncio.AbstractEventLoop, Any] = {}


def _redis_count() -> Any:
    """The script, run by sha (loaded again if Redis has forgotten it)."""
    import redis.asyncio

    loop = asyncio.get_running_loop()
    count = _counts.get(loop)
    if count is None:
        client = redis.asyncio.from_url(settings.CACHES["default"]["LOCATION"])
        count = _counts[loop] = client.register_script(_COUNT)
    return count


def forget_clients() -> None:
    """Drop every loop's client (tests, between event loops)."""
    _counts.clear()


def hit_request(request: HttpRequest, scope: str, *, customer: object = None) -> None:
    hit(scope, ip=request_address(request), customer=customer)


def rate_limited_page(request: HttpRequest, problem: RateLimited) -> HttpResponse:
    """The readable 429 page of HTML views, with ``Retry-After``."""
    response = render(
        request,
        "429.html",
        {"retry_after": problem.retry_after, "message": problem.message},
        status=429,
    )
    response["Retry-After"] = str(problem.retry_after)
    return response
