"""``cognito-local up``: run the stand-in until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
import threading
from typing import Any, NoReturn


def _interrupted_while_loading(_signum: int, _frame: object) -> None:
    print("cognito-local: interrupted", file=sys.stderr)
    raise SystemExit(130)


# Ctrl-C in the second the libraries below take to load ends `cognito-local` quietly,
# not with a traceback from inside an import; `up` installs its own handler. Only when
# this module is the program (the console script, `python -m`), never when imported.
if __name__ == "__main__" or os.path.basename(sys.argv[0]).startswith("cognito-local"):
    signal.signal(signal.SIGINT, _interrupted_while_loading)

from local_cognito import lambda_triggers, profile, quotas, server, settings, state  # noqa: E402
from protected_api import app as api_app  # noqa: E402
from protected_api import server as api_server  # noqa: E402
from protected_api import settings as api_settings  # noqa: E402
from triggers import config as trigger_config  # noqa: E402

PROG = "cognito-local"
DEFAULT_API_PORT = settings.DEFAULT_PORT + 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="An offline Amazon Cognito user pool.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    up = commands.add_parser("up", help="start the stand-in and seed demo users")
    up.add_argument(
        "--port",
        type=_port,
        default=settings.DEFAULT_PORT,
        help=f"port to listen on (default {settings.DEFAULT_PORT}; 0 picks a free one)",
    )
    up.add_argument(
        "--api-port",
        type=_port,
        default=None,
        help=f"port for the protected API (default {DEFAULT_API_PORT}, or a free one "
        "with --port 0)",
    )
    up.add_argument("--no-api", action="store_true", help="do not start the protected API")
    up.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    up.add_argument(
        "--users",
        type=_count,
        default=0,
        metavar="N",
        help="also create N synthetic users user00001.. (default 0)",
    )
    up.add_argument(
        "--issuer-format",
        choices=sorted(settings.ISSUER_HOSTS),
        default="classic",
        help="the tokens' issuer: classic https://cognito-idp.REGION.amazonaws.com/POOL "
        "(default) or updated https://issuer-cognito-idp.REGION.amazonaws.com/POOL",
    )
    up.add_argument(
        "--rotate-refresh-tokens",
        action="store_true",
        help="enable refresh-token rotation (60 s grace), as Cognito's RefreshTokenRotation",
    )
    up.add_argument(
        "--require-pkce",
        action="store_true",
        help="refuse authorize requests without an S256 code_challenge (stricter than "
        "Cognito, where PKCE is optional)",
    )
    up.add_argument(
        "--mfa",
        choices=[m.lower() for m in settings.MFA_MODES],
        default="optional",
        help="the pool's MFA (TOTP): off, optional (default: users may enrol) or on "
        "(every user enrols an authenticator at first sign-in)",
    )
    up.add_argument(
        "--no-self-sign-up",
        action="store_true",
        help="only admins create users (no 'Sign up' in managed login, SignUp refused)",
    )
    up.add_argument(
        "--no-automation-client",
        action="store_true",
        help="no cognito-desktop-automation app client, so no password sign-in through "
        "the protected API",
    )
    up.add_argument(
        "--triggers",
        action="store_true",
        help="run the Lambda triggers (the triggers package the template deploys) "
        "in-process: pre sign-up, post confirmation, pre token generation, post "
        "authentication, custom message",
    )
    up.add_argument(
        "--allowed-email-domains",
        type=_domains,
        default=(),
        metavar="DOMAINS",
        help="with --triggers: comma-separated email domains self sign-up is open to "
        "(default: any)",
    )
    up.add_argument(
        "--default-group",
        default=settings.DEFAULT_GROUP,
        metavar="NAME",
        help=f"with --triggers: the group self-registered users join after confirming "
        f"(default {settings.DEFAULT_GROUP}; '' for none)",
    )
    up.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep the pool (ids, signing key, users, groups, outbox) in DIR across "
        "restarts (created 0700; the files hold passwords and are 0600)",
    )
    up.add_argument(
        "--quotas",
        choices=["cognito"],
        help="emulate Cognito's request-rate quotas per operation category "
        "(TooManyRequestsException over the rate)",
    )
    up.add_argument(
        "--quota",
        type=_quota,
        action="append",
        default=[],
        metavar="CATEGORY=RPS",
        help="one category's rate instead of Cognito's default (repeatable; implies "
        "--quotas cognito), e.g. UserCreation=10",
    )
    up.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the endpoints as the first stdout line",
    )
    up.add_argument(
        "--config",
        metavar="PATH",
        help=f"desktop app config file to write the 'local' profile into "
        f"(default ${profile.CONFIG_ENV} or the platform config dir)",
    )
    up.add_argument(
        "--profile",
        type=_environment,
        default=settings.DEFAULT_ENVIRONMENT,
        metavar="NAME",
        help="the profile to write, and the environment the callback and sign-out paths "
        f"end in (/callback/NAME, /signed-out/NAME; default {settings.DEFAULT_ENVIRONMENT})",
    )
    up.add_argument(
        "--no-profile", action="store_true", help="do not write the desktop app's profile"
    )
    up.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, not {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, not {value}")
    return value


def _environment(text: str) -> str:
    if not settings.ENVIRONMENT_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"profile name {text!r} must be 1-64 letters, digits, - or _"
        )
    return text


def _domains(text: str) -> tuple[str, ...]:
    domains = tuple(d.strip().lower() for d in text.split(",") if d.strip())
    try:
        trigger_config.Config(allowed_email_domains=domains)
    except trigger_config.ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return domains


def _quota(text: str) -> tuple[str, float]:
    try:
        return quotas.parse_override(text)
    except quotas.QuotaError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be 0..1000000, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=f"{PROG}: %(levelname)s %(name)s: %(message)s",
    )
    return up(args)


def up(args: argparse.Namespace) -> int:
    config = settings.PoolSettings(
        environment=args.profile,
        issuer_format=args.issuer_format,
        rotate_refresh_tokens=args.rotate_refresh_tokens,
        require_pkce=args.require_pkce,
        mfa=args.mfa.upper(),
        self_sign_up=not args.no_self_sign_up,
        automation_client=not args.no_automation_client,
        triggers=lambda_triggers.NAMES if args.triggers else (),
        allowed_email_domains=args.allowed_email_domains,
        default_group=args.default_group,
        quotas=quotas.cognito(args.quota) if args.quotas or args.quota else None,
    )
    try:
        stand_in = server.LocalCognito(
            host=args.host,
            port=args.port,
            config=config,
            users=args.users,
            state_dir=args.state_dir,
        )
    except (ValueError, state.StateError) as exc:
        return _fail(str(exc))
    try:
        stand_in.start()
    except OSError as exc:
        stand_in.stop()
        if exc.errno == errno.EADDRINUSE:
            return _fail(
                f"port {args.port} on {args.host} is in use; "
                "pass --port N, or --port 0 for a free one"
            )
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    api: api_server.ApiServer | None = None
    if not args.no_api:
        api_port = (
            args.api_port
            if args.api_port is not None
            else (0 if args.port == 0 else DEFAULT_API_PORT)
        )
        try:
            api = _start_api(stand_in, args.host, api_port)
        except api_settings.SettingsError as exc:
            stand_in.stop()
            return _fail(
                f"the protected API does not accept this pool ({exc}); "
                "pass --no-api to run the pool without it"
            )
        except OSError as exc:
            stand_in.stop()
            if exc.errno == errno.EADDRINUSE:
                return _fail(
                    f"API port {api_port} on {args.host} is in use; "
                    "pass --api-port N, or --api-port 0 for a free one"
                )
            return _fail(f"cannot start the API on {args.host}:{api_port}: {exc}")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        info = stand_in.info()
        info["api_url"] = api.url if api is not None else None
        info["profile"] = None
        if not args.no_profile:
            path = profile.resolve_path(args.config)
            try:
                profile.write(path, profile.profile_values(info), args.profile)
                info["profile"] = {"name": args.profile, "config_path": str(path)}
            except (OSError, ValueError) as exc:
                print(f"{PROG}: warning: profile not written: {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps(info), flush=True)
        else:
            print(_human(info), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        if api is not None:
            api.stop()
        stand_in.stop()
    if not args.json:
        print(f"{PROG}: stopped", file=sys.stderr)
    return 0


def _start_api(stand_in: server.LocalCognito, host: str, port: int) -> api_server.ApiServer:
    """The reference protected API, configured for this pool as for a real one
    except the JWKS URL and the cognito-idp endpoint: it accepts the desktop and the
    automation clients' tokens, and signs people in on the automation client (password
    sign-in), when there is one. ``SettingsError`` if it refuses the pool's
    configuration (its issuer, say)."""
    info = stand_in.info()
    automation = info.get("automation_client_id")
    environ = {
        "COGNITO_USER_POOL_ID": info["user_pool_id"],
        "COGNITO_ISSUER": info["issuer"],
        "COGNITO_CLIENT_IDS": ",".join(c for c in (info["client_id"], automation) if c),
        "COGNITO_JWKS_URL": info["jwks_url"],
        "COGNITO_IDP_ENDPOINT_URL": info["cognito_idp_endpoint"],
    }
    if automation:
        environ["PASSWORD_SIGN_IN_CLIENT_ID"] = automation
    config = api_settings.Settings.from_env(environ)
    # The stand-in accepts any AWS credentials; real ones never come near it.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "cognito-local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "cognito-local")
    return api_server.ApiServer(api_app.create_app(config), host=host, port=port).start()


def _fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def _human(info: dict[str, Any]) -> str:
    lines = [
        "cognito-local is running (offline Amazon Cognito user pool)",
        "",
        f"  managed login     {info['managed_login_url']}",
        f"  cognito-idp API   {info['cognito_idp_endpoint']}   (boto3 endpoint_url)",
        f"  issuer            {info['issuer']}",
        f"  discovery         {info['discovery_url']}",
        f"  region / pool     {info['region']} / {info['user_pool_id']}",
        f"  app client        {info['client_id']}   (desktop app: managed login)",
    ]
    if info.get("automation_client_id"):
        sign_in = "POST /auth/sign-in on the API" if info["api_url"] else "AdminInitiateAuth"
        lines.append(
            f"  automation client {info['automation_client_id']}   (password sign-in: {sign_in})"
        )
    lines += [
        f"  protected API     {info['api_url'] or '(not started)'}",
        f"  outbox            {info['outbox_url']}",
        "",
        "  demo users (username / password):",
    ]
    for user in info["demo_users"]:
        groups = f" [{', '.join(user['groups'])}]" if user["groups"] else ""
        lines.append(f"    {user['username']:<8} {user['password']:<18}{groups}  {user['note']}")
    secrets = [u for u in info["demo_users"] if u.get("totp_secret")]
    for user in secrets:
        lines.append(f"    TOTP secret of {user['username']}: {user['totp_secret']}")
    lines += [
        "",
        f"  MFA (TOTP)        {info.get('mfa', 'OPTIONAL').lower()};  self sign-up "
        f"{'on' if info.get('self_sign_up') else 'off'}",
        f"  Lambda triggers   {_triggers_line(info)}",
        f"  quotas            {_quotas_line(info)}",
        f"  state             {_state_line(info)}",
    ]
    if info.get("profile"):
        lines += [
            "",
            f"  desktop profile   '{info['profile']['name']}' written to "
            f"{info['profile']['config_path']}",
        ]
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def _quotas_line(info: dict[str, Any]) -> str:
    rates = info.get("quotas")
    if not rates:
        return "off (--quotas cognito emulates Cognito's request rates)"
    changed = [
        f"{name} {rps:g}/s" for name, rps in sorted(rates.items()) if quotas.CATEGORIES[name] != rps
    ]
    return "Cognito's per-category rates" + (f", except {', '.join(changed)}" if changed else "")


def _state_line(info: dict[str, Any]) -> str:
    if not info.get("state_dir"):
        return "in memory (lost at stop; --state-dir DIR keeps it)"
    return f"kept in {info['state_dir']}"


def _triggers_line(info: dict[str, Any]) -> str:
    if not info.get("triggers"):
        return "off (--triggers runs them)"
    domains = ", ".join(info.get("allowed_email_domains") or []) or "any domain"
    group = info.get("default_group") or "no group"
    return f"on; sign-up open to {domains}; new users join {group}"


if __name__ == "__main__":
    sys.exit(main())
