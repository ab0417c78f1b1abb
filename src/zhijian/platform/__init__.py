"""Shared ground of every room: config, database, auth, audit, errors, jobs, i18n, app and CLI root."""
