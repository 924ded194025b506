"""The reference protected API: verifies Cognito access tokens, enforces groups.

Never imports ``desktop_app``.
"""
