"""Models of the insights app (contact history for forecasting)."""
