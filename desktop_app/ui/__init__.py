"""Widgets, dialogs and panels."""
