"""SIKS-NG Registry (DTKS).

DTKS, the integrated social welfare registry: households (rumah tangga), their members
(ART) keyed by NIK, socio-economic data and programme membership.
"""
