"""统计 — inspection statistics: sampling plans, OC curves, control charts, capability,
conformity decisions with measurement uncertainty and proficiency-testing scores.

The modules here are pure (no I/O besides reading the packaged tables); ``api``, ``cli`` and
``plots`` are the adapters.
"""
