"""Queries the API answers from the served projection version."""
