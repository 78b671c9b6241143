"""`keyward`, the command line: a REST client of the Keyward API (never the database)."""
