"""``python -m protected_api [--host H] [--port N]``: serve with settings from the environment."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from protected_api import app, server, settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protected_api")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = settings.Settings.from_env()
    except settings.SettingsError as exc:
        print(f"protected_api: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app.create_app(config),
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="info",
        **server.http_options(),  # the request-head limit (protected_api.request_limits)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
