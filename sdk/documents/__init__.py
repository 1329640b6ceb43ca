"""The four document kinds of social-integration work."""
