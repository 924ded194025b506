"""``cognito-desktop``: the app's entry point.

Issue #4 adds the sign-in subcommands and #5 the GUI; until then this entry
point validates the chosen profile and says what it would connect to.
"""

from __future__ import annotations

import argparse
import os
import sys

from desktop_app import config, errors


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cognito-desktop", description="Desktop client for Amazon Cognito."
    )
    parser.add_argument(
        "--config", help=f"config file (default: ${config.CONFIG_ENV} or {config.default_path()})"
    )
    parser.add_argument(
        "--profile",
        help=f"profile name (default: ${config.PROFILE_ENV} or {config.DEFAULT_PROFILE!r})",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    path = config.resolve_path(args.config)
    name = args.profile or os.environ.get(config.PROFILE_ENV) or config.DEFAULT_PROFILE
    try:
        profile = config.load_profile(path, name)
    except errors.CognitoDesktopError as exc:
        print(f"cognito-desktop: {exc}", file=sys.stderr)
        return 1
    print(
        f"profile {profile.name}: client {profile.client_id} at {profile.domain} "
        f"(issuer {profile.issuer})"
    )
    print(
        "cognito-desktop: the desktop GUI is not built yet; see docs/local-cognito.md "
        "to use the stand-in directly.",
        file=sys.stderr,
    )
    return 3


if __name__ == "__main__":
    sys.exit(main())
