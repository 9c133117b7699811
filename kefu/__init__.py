"""Kefu: an open-source 24/7 support desk for cryptocurrency exchanges."""

__version__ = "0.1.0"
