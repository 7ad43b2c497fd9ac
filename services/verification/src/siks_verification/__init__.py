"""SIKS-NG Verification (verivali).

Field verification and validation: prelists, visits by enumerators, quality checks by
supervisors.
"""
