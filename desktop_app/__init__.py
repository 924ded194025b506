"""Cognito Desktop: sign in to an Amazon Cognito user pool from a desktop app.

Layers (imports point down only; tests/unit/test_import_direction.py checks):
``ui`` -> ``models`` -> ``qt`` -> ``api`` -> ``auth`` -> ``config``/``errors``.
``auth`` and ``api`` never import Qt.
"""

APP_NAME = "cognito-desktop"
APP_TITLE = "Cognito Desktop"
# Benchmarks' and packaged-build checks' timestamps (desktop_app.probe); never for people.
PROBE_ENV = "COGNITO_DESKTOP_PROBE"
