"""Models of incidents and surge alerts."""
