"""Console pages for API keys: list, create, show once, revoke, regenerate."""
