"""Models of quality review."""
