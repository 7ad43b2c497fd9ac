"""SIKS-NG Integration.

The border to other government systems: Dukcapil deaths and moves in, BPJS notifications
and subscriptions out.
"""
