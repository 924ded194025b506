"""QtCore glue: workers, the session bridge, the message bus."""
