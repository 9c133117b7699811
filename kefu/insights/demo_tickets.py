"""Weeks of demo ticket history (with events) so the dashboard shows something on first start."""


def load_demo_ticket_history() -> None:
    """Filled in with the metrics work."""
