"""The demo quality rubric and sampled reviews."""


def load_demo_quality() -> None:
    """Filled in with the quality review work."""
