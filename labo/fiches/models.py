"""Models of this feature (to be written)."""
