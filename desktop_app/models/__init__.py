"""Qt item models (QtCore only)."""
