"""专家 (committee and expert members): accounts, assignments, their own work."""
