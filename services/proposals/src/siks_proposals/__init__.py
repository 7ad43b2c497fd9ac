"""SIKS-NG Proposals (usulan).

Monthly proposals (usulan) from village operators and their approval (pengesahan) by the
regency/city social office.
"""
