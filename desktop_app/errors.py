"""Errors the app shows to people: each carries one clear, secret-free line."""

from __future__ import annotations


class CognitoDesktopError(Exception):
    """Base class; ``str(error)`` is the line the CLI prints and the GUI shows."""


class ConfigError(CognitoDesktopError):
    """The config file is missing, unreadable, or has a bad key or value."""
