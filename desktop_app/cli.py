"""``cognito-desktop``: the CLI; with no subcommand, the desktop app.

Exit 0 only on success; every failure prints one clear line to stderr. The
auth core (requests, Authlib, PyJWT, keyring) is imported by the commands that
use it, not here: the GUI paints its first window before loading it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from desktop_app import config, errors, logs

if TYPE_CHECKING:
    from desktop_app.auth import mfa, session

log = logging.getLogger(__name__)
PROG = errors.PROG
SIGN_IN_TIMEOUT_S = 300.0  # the same default as desktop_app.auth.session
TERMINAL = "/dev/tty"  # the controlling terminal, for a question while stdin is a pipe


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


class _VersionAction(argparse.Action):
    """``--version``: the version and git commit (baked into a packaged build). Looked up
    only when asked: the GUI's start-up parses these arguments too."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from desktop_app import diagnostics

        version, commit = diagnostics.version_info()
        print(f"{PROG} {version} (commit {commit or 'unknown'})")
        parser.exit(0)


def _switches(parser: argparse.ArgumentParser, **helps: str) -> None:
    """On/off options: ``no_browser="..."`` becomes ``--no-browser`` with that help."""
    for name, text in helps.items():
        parser.add_argument("--" + name.replace("_", "-"), action="store_true", help=text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Desktop client for Amazon Cognito.")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"config file (default: ${config.CONFIG_ENV} or {config.default_path()})",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help=f"profile (default: ${config.PROFILE_ENV} or {config.DEFAULT_PROFILE!r})",
    )
    parser.add_argument("--version", action=_VersionAction, help="print version and commit")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more output on stderr (-vv for debug); secrets are redacted",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    login = commands.add_parser(
        "login",
        help="sign in with the system browser (or, for automation, --password-stdin)",
    )
    _switches(
        login,
        no_browser="print the sign-in URL and paste the final redirect URL back "
        "(SSH, WSL, containers)",
        prompt_login="use a different account: managed login asks for credentials even "
        "if the browser is still signed in",
    )
    login.add_argument(
        "--timeout",
        type=float,
        default=SIGN_IN_TIMEOUT_S,
        help="seconds to wait for the browser (default 300)",
    )
    entry = login.add_mutually_exclusive_group()
    entry.add_argument(
        "--sign-up",
        action="store_true",
        help="start on managed login's sign-up page: create an account, confirm it, "
        "and end signed in (the pool must allow self-registration)",
    )
    entry.add_argument(
        "--forgot-password",
        action="store_true",
        help="start on managed login's 'Forgot your password?' page: reset it and end signed in",
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="sign in with the API's password sign-in, for automation and headless test "
        "runs (the profile needs password_sign_in = true): no browser; the password is "
        "stdin's first line (its second, after the username, without --username)",
    )
    login.add_argument("--username", metavar="NAME", help="with --password-stdin: who signs in")
    login.add_argument(
        "--totp-code-stdin",
        action="store_true",
        help="with --password-stdin: read an authenticator app's code from the next stdin "
        "line instead of asking on the terminal",
    )
    logout = commands.add_parser("logout", help="sign out: revoke and forget the session")
    _switches(
        logout,
        everywhere="also end every session of this user (GlobalSignOut)",
        no_browser="do not open managed login's /logout to end the browser's sign-in "
        "session (the browser may sign the same person in again without a password)",
    )
    status = commands.add_parser("status", help="who is signed in")
    _switches(status, json="one JSON object on stdout")
    token = commands.add_parser("token", help="print a fresh access token (for scripts)")
    _switches(token, id="print the ID token instead")
    mfa = commands.add_parser(
        "mfa", help="two-step verification with an authenticator app (TOTP) for your account"
    )
    mfa_commands = mfa.add_subparsers(dest="mfa_command", required=True, parser_class=_Parser)
    mfa_commands.add_parser("status", help="whether an authenticator app is turned on")
    mfa_commands.add_parser(
        "enable",
        help="set up an authenticator app: prints its secret and QR code, then asks for "
        "a first code",
    )
    disable = mfa_commands.add_parser("disable", help="turn the authenticator app off")
    _switches(disable, yes="do not ask for confirmation")
    api = commands.add_parser("api", help="call the protected API, e.g. 'api GET /me'")
    api.add_argument("method", type=str.upper, choices=["GET", "POST", "PUT", "PATCH", "DELETE"])
    api.add_argument("path", help="path on the API, starting with /")
    api.add_argument("--data", metavar="JSON", help="JSON request body")
    self_test = commands.add_parser(
        "self-test",
        help="check what a packaged build needs: Qt and fonts, resources, TLS, keyring, "
        "loopback, config, discovery, API",
    )
    # Hidden: desktop_app.selftest.QT_PROBE_FLAG, how the Qt check runs this program again.
    self_test.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)
    self_test.add_argument(
        "--sign-in",
        action="store_true",
        help="instead: sign in with the API's password sign-in (stdin: the username on the "
        "first line, the password on the second), refresh, call GET /me, sign out",
    )
    self_test.add_argument(
        "--username", metavar="NAME", help="with --sign-in: stdin holds only the password"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from desktop_app import app

        return app.main(
            config_path=config.resolve_path(args.config),
            profile_name=args.profile or os.environ.get(config.PROFILE_ENV),
            verbosity=args.verbose,
        )
    logs.setup(args.verbose)
    try:
        if args.command == "self-test":  # it reads the config itself: a bad one is a line
            return cmd_self_test(args)
        profile = config.load_profile(
            config.resolve_path(args.config),
            args.profile or os.environ.get(config.PROFILE_ENV) or config.DEFAULT_PROFILE,
        )
        handler: Callable[[argparse.Namespace, config.Profile], int] = _COMMANDS[args.command]
        return handler(args, profile)
    except errors.CognitoDesktopError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: cancelled", file=sys.stderr)
        return 130


def _session(profile: config.Profile) -> session.Session:
    from desktop_app.auth import http, session, store

    token_store = store.open_store(profile.name)
    if token_store.warning:
        print(f"{PROG}: warning: {token_store.warning}", file=sys.stderr)
    proxies = {"http": profile.proxy, "https": profile.proxy} if profile.proxy else None
    return session.Session(
        profile,
        token_store=token_store,
        http_session=http.new_session(ca_bundle=profile.ca_bundle, proxies=proxies),
    )


def _signed_in(profile: config.Profile) -> session.Session:
    current = _session(profile)
    if current.resume() is None:
        raise errors.NotSignedIn(
            f"not signed in to profile '{profile.name}'; run '{errors.login_command(profile.name)}'"
        )
    return current


def cmd_login(args: argparse.Namespace, profile: config.Profile) -> int:
    if args.password_stdin:
        return _password_login(args, profile)
    if args.username or args.totp_code_stdin:
        raise errors.CognitoDesktopError(
            "--username and --totp-code-stdin go with --password-stdin"
        )
    current = _session(profile)

    def show_url(url: str, opened: bool) -> None:
        if opened:
            print("Opened your browser to sign in. If it did not open, visit:", file=sys.stderr)
        else:
            print("Open this URL in a browser to sign in:", file=sys.stderr)
        print(url, file=sys.stderr, flush=True)

    def paste(url: str) -> str:
        print("Open this URL in any browser and sign in:", file=sys.stderr)
        print(url, file=sys.stderr)
        print(
            "Then paste the full address of the page you land on (it may fail to load):",
            file=sys.stderr,
            flush=True,
        )
        line = sys.stdin.readline()
        if not line:
            raise errors.SignInCancelled("no redirect URL was pasted")
        return line

    from desktop_app.auth import authorization

    entry = (
        authorization.Entry.SIGN_UP
        if args.sign_up
        else authorization.Entry.FORGOT_PASSWORD
        if args.forgot_password
        else authorization.Entry.SIGN_IN
    )
    cancel = threading.Event()
    try:
        identity = current.sign_in(
            timeout=args.timeout,
            cancel=cancel,
            show_url=show_url,
            paste_redirect=paste if args.no_browser else None,
            prompt_login=args.prompt_login,
            entry=entry,
        )
    except KeyboardInterrupt:
        cancel.set()
        raise
    groups = f" (groups: {', '.join(identity.groups)})" if identity.groups else ""
    print(f"Signed in as {identity.username}{groups}.", file=sys.stderr)
    return 0


def _password_login(args: argparse.Namespace, profile: config.Profile) -> int:
    """``login --password-stdin``: the API's password sign-in, stdin's answers."""
    if args.no_browser or args.prompt_login or args.sign_up or args.forgot_password:
        raise errors.CognitoDesktopError(
            "--password-stdin signs in without a browser; drop --no-browser, --prompt-login, "
            "--sign-up and --forgot-password"
        )
    if not profile.password_sign_in:
        raise errors.ConfigError(_PASSWORD_SIGN_IN_OFF.format(name=profile.name))
    from desktop_app.auth import password_flow

    username, password = _stdin_credentials(args.username)
    current = _session(profile)

    def answer(challenge: password_flow.Challenge) -> str:
        if challenge.name == password_flow.NEW_PASSWORD_REQUIRED:
            return _new_password()
        if args.totp_code_stdin:
            return _stdin_line("authenticator code").strip()
        return _ask_terminal("Code from your authenticator app: ").strip()

    identity = current.sign_in_with_password(username, password, answer=answer)
    groups = f" (groups: {', '.join(identity.groups)})" if identity.groups else ""
    print(f"Signed in as {identity.username}{groups} with password sign-in.", file=sys.stderr)
    return 0


_PASSWORD_SIGN_IN_OFF = (
    "password sign-in is off for profile '{name}'; to turn it on, set password_sign_in = true "
    "and password_sign_in_client_id (the API's automation app client) in profiles.{name} "
    "(docs/configuration.md)"
)


def _stdin_line(what: str) -> str:
    """The next line of stdin without its line ending; an error naming ``what`` at the
    end of stdin or on an empty line. Never echoed, never logged."""
    line = sys.stdin.readline()
    if not line:
        raise errors.SignInError(f"no {what} on stdin")
    value = line.removesuffix("\n").removesuffix("\r")
    if not value:
        raise errors.SignInError(f"the {what} on stdin is an empty line")
    return value


def _stdin_credentials(username: str | None) -> tuple[str, str]:
    """``(username, password)``: the username from ``--username`` or stdin's first line,
    then the password from stdin's next line. Typed at a terminal, the password is not
    echoed (getpass)."""
    import getpass

    if sys.stdin.isatty():
        if username is None:
            print("Username: ", end="", file=sys.stderr, flush=True)
            username = _stdin_line("username")
        return username, getpass.getpass("Password: ", stream=sys.stderr)
    return username or _stdin_line("username"), _stdin_line("password")


def _new_password() -> str:
    """``NEW_PASSWORD_REQUIRED``'s answer: typed twice at the terminal (not echoed) when
    stdin is one, else the next stdin line."""
    import getpass

    print("This account must choose a new password.", file=sys.stderr, flush=True)
    if not sys.stdin.isatty():
        return _stdin_line("new password")
    first = getpass.getpass("New password: ", stream=sys.stderr)
    if getpass.getpass("New password again: ", stream=sys.stderr) != first:
        raise errors.SignInError("the two new passwords differ; nothing was changed")
    return first


def _ask_terminal(prompt: str) -> str:
    """One line typed at the terminal: on stdin when it is one, else on the controlling
    terminal (``/dev/tty``), so stdin can still carry the password."""
    if sys.stdin.isatty():
        print(prompt, end="", file=sys.stderr, flush=True)
        return _stdin_line("answer")
    try:
        with open(TERMINAL, "r+", encoding="utf-8") as tty:
            tty.write(prompt)
            tty.flush()
            line = tty.readline().rstrip("\r\n")
    except OSError:
        raise errors.SignInError(
            "this account asks for a code from its authenticator app and there is no "
            "terminal to ask on; pass --totp-code-stdin and put the code on stdin's next line"
        ) from None
    if not line:
        raise errors.SignInError("no code was entered")
    return line


def cmd_logout(args: argparse.Namespace, profile: config.Profile) -> int:
    current = _session(profile)
    if args.everywhere:
        try:
            current.resume()
        except errors.CognitoDesktopError as exc:
            log.info("could not resume before signing out everywhere: %s", exc)
    problems = current.sign_out(everywhere=args.everywhere)
    for problem in problems:
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    print(
        "Signed out on this computer."
        + ("" if not args.everywhere or problems else " All other sessions were ended too."),
        file=sys.stderr,
    )
    from desktop_app.auth import browser_sign_out, session_codec

    if current.flow == session_codec.PASSWORD_FLOW:
        return 1 if problems else 0  # a password sign-in has no browser session to end

    url = browser_sign_out.logout_url(profile)
    if args.no_browser or not profile.sign_out_in_browser:
        if url:
            print(
                f"The browser may still be signed in; to end that too, open: {url}", file=sys.stderr
            )
    else:
        print(
            "Ending the browser's sign-in session too (finish in the browser)...", file=sys.stderr
        )
        not_done = current.end_browser_session()
        if not_done:
            print(f"{PROG}: warning: {not_done}", file=sys.stderr)
        else:
            print("The browser is signed out too.", file=sys.stderr)
    return 1 if problems else 0


def cmd_status(args: argparse.Namespace, profile: config.Profile) -> int:
    current = _session(profile)
    signed_in, dropped = False, None
    try:
        signed_in = current.resume() is not None
    except errors.SessionExpired as exc:
        dropped = str(exc)
    identity = current.identity
    expires = current.access_expires_at
    info: dict[str, Any] = {
        "profile": profile.name,
        "signed_in": signed_in,
        "username": identity.username if identity and signed_in else None,
        "sub": identity.sub if identity and signed_in else None,
        "groups": list(identity.groups) if identity and signed_in else [],
        "is_admin": bool(identity and signed_in and profile.admin_group in identity.groups),
        "access_token_expires_at": int(expires) if expires and signed_in else None,
        "storage": {"backend": current.store.backend_name, "secure": current.store.secure},
        "signed_out_because": dropped,
        # "browser" or "password" (the API's password sign-in, refreshed through it).
        "flow": current.flow if signed_in else None,
    }
    if args.json:
        import json

        print(json.dumps(info))
    elif signed_in:
        import datetime

        when = datetime.datetime.fromtimestamp(expires or time.time()).strftime("%H:%M:%S")
        how = " with password sign-in" if info["flow"] == "password" else ""
        print(
            f"Signed in to '{profile.name}' as {info['username']}"
            f"{' (admin)' if info['is_admin'] else ''}{how}; access token valid until {when}."
        )
        print(
            f"Groups: {', '.join(info['groups']) or 'none'}. Session stored in "
            f"{info['storage']['backend']}"
            f"{'' if info['storage']['secure'] else ' (NOT persistent, not secure)'}."
        )
    else:
        print(f"Not signed in to '{profile.name}'" + (f": {dropped}." if dropped else "."))
    return 0 if signed_in else 1


def cmd_token(args: argparse.Namespace, profile: config.Profile) -> int:
    current = _signed_in(profile)
    print(current.id_token() if args.id else current.access_token())
    return 0


def cmd_mfa(args: argparse.Namespace, profile: config.Profile) -> int:
    """``mfa status|enable|disable``: :class:`desktop_app.auth.mfa.Mfa` in the terminal."""
    from desktop_app.auth import mfa

    current = _signed_in(profile)
    totp = mfa.Mfa(current)
    if args.mfa_command == "status":
        status = totp.status()
        state = "on" if status.totp else "off"
        who = status.username or _username(current)
        print(f"Two-step verification with an authenticator app is {state} for {who}.")
        return 0
    if args.mfa_command == "enable":
        return _mfa_enable(totp)
    if not args.yes and not _confirmed(
        f"Turn off two-step verification for {_username(current)}? Sign-in will no longer "
        "ask for a code from your authenticator app. [y/N] "
    ):
        print(f"{PROG}: nothing changed", file=sys.stderr)
        return 1
    totp.turn_off()
    print("Two-step verification with an authenticator app is off.", file=sys.stderr)
    return 0


MFA_CODE_ATTEMPTS = 3  # codes a person may type before ``mfa enable`` gives up


def _mfa_enable(totp: mfa.Mfa) -> int:
    from desktop_app.auth import mfa

    enrolment = totp.begin()
    print("Add this account to your authenticator app: scan the QR code, or type the key.")
    print(f"Account: {enrolment.issuer}: {enrolment.account}")
    print(f"Key: {enrolment.grouped_secret}")
    print(f"URI: {enrolment.uri}")
    try:
        mfa.qr_code(enrolment.uri).terminal(out=sys.stdout, compact=True)
    except UnicodeEncodeError:  # a terminal that cannot show block characters
        print("(This terminal cannot show the QR code; type the key instead.)")
    sys.stdout.flush()
    for attempt in range(1, MFA_CODE_ATTEMPTS + 1):
        print(
            f"Enter the {mfa.CODE_DIGITS}-digit code your authenticator app shows: ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        line = sys.stdin.readline()
        if not line:
            raise mfa.MfaError("No code was entered; nothing changed")
        try:
            totp.confirm(line)
        except mfa.WrongCodeError as exc:
            if attempt == MFA_CODE_ATTEMPTS:
                raise
            print(f"{PROG}: {exc}", file=sys.stderr)
            continue
        break
    print(
        "Two-step verification is on: signing in will ask for a code from your authenticator app.",
        file=sys.stderr,
    )
    return 0


def _username(current: session.Session) -> str:
    identity = current.identity
    return identity.username if identity else "this account"


def _confirmed(question: str) -> bool:
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def cmd_api(args: argparse.Namespace, profile: config.Profile) -> int:
    if not profile.api_url:
        raise errors.ConfigError(f"profiles.{profile.name}.api_url is not set")
    import json

    body = None
    if args.data is not None:
        try:
            body = json.loads(args.data)
        except ValueError as exc:
            raise errors.CognitoDesktopError(f"--data is not valid JSON: {exc}") from None
    from desktop_app.api import client as api_client

    current = _signed_in(profile)
    client = api_client.ApiClient(profile.api_url, current, current.http)
    response = client.request(args.method, args.path, json=body)
    if response.content:
        try:
            print(json.dumps(response.json(), indent=2))
        except ValueError:
            print(response.text)
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    """The checklist a tester runs when a (packaged) build misbehaves; exit 1 on any FAIL.

    It loads the config itself: a config that does not parse is one failed line, not
    the end of the run."""
    import json

    from desktop_app import selftest

    if args.qt_probe:
        print(json.dumps(selftest.qt_probe()), flush=True)
        return 0
    if args.username and not args.sign_in:
        raise errors.CognitoDesktopError("--username goes with self-test --sign-in")
    path = config.resolve_path(args.config)
    name = args.profile or os.environ.get(config.PROFILE_ENV) or config.DEFAULT_PROFILE
    print(selftest.header(), flush=True)
    if args.sign_in:
        checks = selftest.run_sign_in(path, name, lambda: _stdin_credentials(args.username))
    else:
        checks = selftest.run(path, name)
    print(selftest.format_checklist(checks), end="")
    return 0 if selftest.passed(checks) else 1


_COMMANDS: dict[str, Callable[[argparse.Namespace, config.Profile], int]] = {
    "login": cmd_login,
    "logout": cmd_logout,
    "status": cmd_status,
    "token": cmd_token,
    "api": cmd_api,
    "mfa": cmd_mfa,
}


if __name__ == "__main__":
    sys.exit(main())
