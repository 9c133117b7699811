"""Demo incidents."""


def load_demo_incidents() -> None:
    """Filled in with the incidents work."""
