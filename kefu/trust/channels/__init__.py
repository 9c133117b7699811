"""The official-channel checker: normal forms of channel values, look-alike detection, and the
verdict on a value (``verify``)."""

from .checker import PublishedChannel, Registry, Verdict, active_channels, explain, verify
from .normalise import InvalidChannel, guess_kinds, normalise
from .reasons import Reason

__all__ = [
    "InvalidChannel",
    "PublishedChannel",
    "Reason",
    "Registry",
    "Verdict",
    "active_channels",
    "explain",
    "guess_kinds",
    "normalise",
    "verify",
]
