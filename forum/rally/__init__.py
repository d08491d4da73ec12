"""Rally: convenings, scheduled live discussions on a thread."""
