"""Shared helpers of the association room (PDF styles, plots)."""
