"""DTKS as a DCI Social Registry (spdci `social_api_v1.0.0`, subscriptions from `registry_core_api_v1.0.0`).

`api.py` serves the standard's endpoints under `/dci`; `answers.py` computes what a search, subscription
or status request is answered; `delivery.py` sends the signed callbacks and notifications; `events.py`
turns DTKS events into notifications for subscribers; `records.py` maps households and persons to the
standard's Group and Member.
"""
