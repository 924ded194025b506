"""HTTP client for the protected API. No Qt."""
