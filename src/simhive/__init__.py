"""simhive: a self-hosted phone-verification platform."""

__version__ = "0.1.0"
