"""Months of demo contact history for the forecast."""


def load_demo_contact_history() -> None:
    """Filled in with the forecasting work."""
