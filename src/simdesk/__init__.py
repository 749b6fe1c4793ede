"""simdesk: an offline desktop clinical case simulator."""

__version__ = "0.1.0"
