"""Web room: layout, shared templates, static assets, login, CSRF and the i18n of portal and console."""
