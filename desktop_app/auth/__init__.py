"""Sign-in core: PKCE, loopback receiver, discovery, token exchange and storage. No Qt."""
