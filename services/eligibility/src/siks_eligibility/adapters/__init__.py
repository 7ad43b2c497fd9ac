"""Adapters: the projection's PostgreSQL tables, the registry topic consumer, the CLI's wiring."""
