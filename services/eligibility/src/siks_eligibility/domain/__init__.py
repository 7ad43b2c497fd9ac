"""The pure domain of eligibility: the household as eligibility sees it, welfare ranking, rules, quotas.

Nothing here reads a clock, a file, a database or a broker: dates, log positions and policies
arrive as arguments. The modules, in the order a projection uses them:

- `household`: registry events folded into `HouseholdState`, with both clocks (`HouseholdHistory`).
- `welfare`: the proxy-means score from versioned `WelfareWeights`, deciles per regency.
- `rules`: programme rules as versioned data (`RuleBook` -> the `RuleSet` in force on a day).
- `decision`, `assessment`: every programme's decisions on a day, each explaining itself.
- `quota`: the waiting list and the events that reallocate freed slots.
- `simulation`: who two rule sets or weights versions would add and drop.
"""
