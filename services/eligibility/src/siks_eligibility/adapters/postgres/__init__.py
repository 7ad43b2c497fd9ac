"""SQL of the eligibility projection: a version's tables, the versions and pointer, the rows it writes and reads."""
