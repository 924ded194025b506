"""An offline Amazon Cognito user pool for development, demos and tests.

moto supplies the ``cognito-idp`` JSON API; this package adds what moto lacks
(managed login, PKCE code exchange, revocation, an outbox, one signing key for
every token) and serves both on one loopback HTTP server. It never imports
``desktop_app``: the app talks to it exactly as it talks to real Cognito.
"""
