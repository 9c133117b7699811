"""Insights: metrics from ticket events, dashboards, forecasting and staffing."""
