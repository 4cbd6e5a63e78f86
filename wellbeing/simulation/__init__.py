"""`safeshift simulate`: simulated reviewers drive the real scheduler on a virtual clock.

The point is to measure, not to assume: the claim, decision, exposure and wellbeing scripts that
run in production decide who gets what, against a real Redis, while a seeded model supplies the
arrivals and the reviewers' behaviour. docs/simulation.md describes the model and its limits.
"""
