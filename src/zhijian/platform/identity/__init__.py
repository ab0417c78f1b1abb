"""身份 (identity): organizations, users and API tokens — who acts, and for which organization.

At the bottom of the house because every room refers to them: the platform authenticates users and
scopes them by their organization. Tables in ``models``, user administration in ``service``, API shapes
in ``schemas``; catalog keeps the organization register's use cases (its rules: 统一社会信用代码, 行政区划)
and re-exports these under its old import paths.
"""
