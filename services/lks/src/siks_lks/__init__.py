"""SIKS-NG LKS.

Social welfare institutions (LKS), their services, aid proposals and monitoring reports.
"""
