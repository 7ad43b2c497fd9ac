"""The eligibility service's HTTP API: answers from the served projection version, region-scoped by the token."""
