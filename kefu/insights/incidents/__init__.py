"""Incidents and announcements: banners, assistant answers, notices on resolution, surges."""
