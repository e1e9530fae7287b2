"""Demo data for `seed_demo`: deterministic, idempotent, never in production.

Each app adds its part as a function `seed(region)` registered in SEEDERS below, run in this order.
"""
