"""The pure domain of eligibility: the household as eligibility sees it, welfare ranking, rules, quotas.

Nothing here reads a clock, a file, a database or a broker: dates, log positions and policies
arrive as arguments.
"""
