"""forum: a convener service for health-care communities."""

__version__ = "0.1.0"
