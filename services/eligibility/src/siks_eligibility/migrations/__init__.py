"""Alembic revisions of the eligibility service's own tables (the projection versions and the pointer).

A projection version's own tables (`eligibility_v<n>_*`) are not revisions: they are made and
dropped by the projection as versions are built and retired.
"""
