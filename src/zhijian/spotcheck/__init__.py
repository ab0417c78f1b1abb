"""监督抽查 — supervisory spot checks."""
