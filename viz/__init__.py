"""Plotly figures and HTML reports, installed as ``discourse.viz``."""
