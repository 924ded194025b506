"""Helpers shared by tests and benchmarks (scripted browser, clocks, PKCE)."""
