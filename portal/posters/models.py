"""The poster registry (filled in by the posters feature)."""
