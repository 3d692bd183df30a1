"""Staff review of completed applications."""
