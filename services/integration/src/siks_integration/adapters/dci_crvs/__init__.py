"""Dukcapil over the DCI CRVS API (`crvs_api_v1.0.0`): we subscribe to its vital events and take its notifications."""
