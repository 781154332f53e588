"""vetgate: a policy gate for AI-origin code changes."""

__version__ = "0.1.0"
