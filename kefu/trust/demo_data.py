"""The demo exchange Beacon's official channels, as kefu/helpcenter/demo/FACTS.md lists them."""

from __future__ import annotations

from .channels.publishing import publish_channels
from .models import ChannelKind, OfficialChannel

DEMO_CHANNELS = [
    (ChannelKind.DOMAIN, "beacon.example", "Web site, app downloads and live chat"),
    (ChannelKind.DOMAIN, "www.beacon.example", "Web site"),
    (ChannelKind.EMAIL, "support@beacon.example", "Replies to your tickets"),
    (ChannelKind.EMAIL, "noreply@mail.beacon.example", "Notices"),
    (ChannelKind.TELEGRAM, "@BeaconExchange", "Announcements (read-only)"),
    (ChannelKind.TELEGRAM, "@BeaconSupportBot", "Support bot"),
]


def load_demo_channels() -> int:
    """Publish the demo channels unless the desk has official channels already (an admin's
    list is never topped up with the demo's). Returns how many were added."""
    if OfficialChannel.objects.exists():
        return 0
    return len(publish_channels(DEMO_CHANNELS))
