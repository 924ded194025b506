"""``python -m infra.stack_profile``: a deployed stack's outputs as the desktop app's profile.

Reads what ``aws cloudformation describe-stacks --stack-name NAME`` prints (a file, or
standard input) and prints one ``[profiles.NAME]`` table, or with ``--write`` puts it
into the app's config file (keeping the other profiles)::

    aws cloudformation describe-stacks --stack-name cognito-desktop \\
        | python -m infra.stack_profile --name prod --write

Each output of infra/template.yaml is one profile key (:data:`OUTPUTS`), among them
``self_sign_up`` (the ``AllowSelfSignUp`` parameter) and ``password_reset``, which say
whether the app offers "Create an account" and "Forgot your password?". A stack deployed
with ``EnablePasswordSignIn=true`` has a ``PasswordSignInClientId`` output, which becomes
``password_sign_in = true`` and ``password_sign_in_client_id`` (the CLI's
``login --password-stdin`` then signs in through the API). The table is
checked with the app's own validation (:func:`desktop_app.config.parse_profile`)
before anything is printed or written, so the app loads whatever this produces.

The redirect and sign-out URIs are the app client's, whose paths end in the stack's
environment (``/callback/ENV``: the template's ``EnvironmentName``, else the stack
name), so profiles made from different stacks do not share them. ``--write`` refuses a
profile that would share one with another profile of the file (the app would refuse
the file: RFC 9700 4.4, mix-up attacks), and says which parameter tells them apart.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_app import config, config_writer, errors

# Stack output -> profile key. The template has exactly these outputs
# (tests/infra/test_template.py checks both directions).
OUTPUTS: dict[str, str] = {
    "Region": "region",
    "UserPoolId": "user_pool_id",
    "ManagedLoginUrl": "domain",
    "ClientId": "client_id",
    "RedirectUris": "redirect_uris",
    "LogoutUri": "logout_uri",
    "Scopes": "scopes",
    "ApiUrl": "api_url",
    "AdminGroup": "admin_group",
    "SelfSignUp": "self_sign_up",
    "PasswordReset": "password_reset",
    "PasswordSignInClientId": "password_sign_in_client_id",
}
# Outputs are strings; these hold lists, joined with this separator by the template.
LIST_SEPARATORS: dict[str, str | None] = {"RedirectUris": ",", "Scopes": None}  # None: spaces
# These hold "true" or "false", written as TOML booleans: what managed login offers, so
# that the app shows "Create an account" and "Forgot your password?" only when it works.
BOOLEAN_OUTPUTS = frozenset({"SelfSignUp", "PasswordReset"})
# Outputs a stack made before they existed lacks, or that exist only with a feature on;
# the profile then leaves the key out (the app's default) rather than refusing the stack.
OPTIONAL_OUTPUTS = frozenset({"SelfSignUp", "PasswordReset", "PasswordSignInClientId"})
# Keys an output's presence also sets: the automation client exists only when the stack
# has password sign-in on (EnablePasswordSignIn), so its id turns the feature on.
IMPLIED_KEYS: dict[str, dict[str, bool]] = {"PasswordSignInClientId": {"password_sign_in": True}}
# A stack whose outputs describe what is deployed. UPDATE_ROLLBACK_COMPLETE is the
# previous, working configuration after a failed update.
READY_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})
MAX_INPUT_BYTES = 1024 * 1024


class StackProfileError(ValueError):
    """The input is not a usable describe-stacks answer; the message says what is wrong."""


def parse_document(text: str) -> Any:
    """The JSON document ``text``; :class:`StackProfileError` if it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StackProfileError(
            f"input is not JSON (line {exc.lineno}, column {exc.colno}): "
            "give the output of `aws cloudformation describe-stacks --output json`"
        ) from None


def stack_outputs(document: Any, stack_name: str | None = None) -> dict[str, str]:
    """``OutputKey -> OutputValue`` of the one stack in ``document`` (or ``stack_name``)."""
    if not isinstance(document, dict) or not isinstance(document.get("Stacks"), list):
        raise StackProfileError(
            'expected describe-stacks JSON: an object with a "Stacks" list '
            "(`aws cloudformation describe-stacks --stack-name NAME`)"
        )
    stacks = [s for s in document["Stacks"] if isinstance(s, dict)]
    if len(stacks) != len(document["Stacks"]):
        raise StackProfileError('every entry of "Stacks" must be an object')
    if stack_name is not None:
        stacks = [s for s in stacks if s.get("StackName") == stack_name]
        if not stacks:
            raise StackProfileError(f"no stack named {stack_name!r} in the input")
    if not stacks:
        raise StackProfileError('"Stacks" is empty')
    if len(stacks) > 1:
        names = ", ".join(sorted(str(s.get("StackName", "?")) for s in stacks))
        raise StackProfileError(f"the input holds {len(stacks)} stacks ({names}); pick one --stack")
    stack = stacks[0]
    name = str(stack.get("StackName", "the stack"))
    status = stack.get("StackStatus")
    if status is not None and status not in READY_STATUSES:
        raise StackProfileError(
            f"stack {name} is {status}; its outputs are usable once it is "
            + " or ".join(sorted(READY_STATUSES))
        )
    raw = stack.get("Outputs")
    if not isinstance(raw, list):
        raise StackProfileError(f"stack {name} has no Outputs list; is it this project's template?")
    outputs: dict[str, str] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise StackProfileError(f"stack {name}: every output must be an object")
        key, value = item.get("OutputKey"), item.get("OutputValue")
        if not isinstance(key, str) or not isinstance(value, str):
            raise StackProfileError(
                f"stack {name}: every output needs a string OutputKey and OutputValue"
            )
        if key in outputs:
            raise StackProfileError(f"stack {name}: output {key} appears twice")
        outputs[key] = value
    return outputs


def profile_table(outputs: Mapping[str, str]) -> dict[str, str | bool | list[str]]:
    """The profile keys for the template's ``outputs``; other outputs are ignored."""
    missing = [key for key in OUTPUTS if key not in outputs and key not in OPTIONAL_OUTPUTS]
    if missing:
        raise StackProfileError(
            f"missing stack output(s) {', '.join(missing)}; was the stack made from "
            "infra/template.yaml?"
        )
    table: dict[str, str | bool | list[str]] = {}
    for output, key in OUTPUTS.items():
        if output not in outputs:
            continue
        value = outputs[output].strip()
        if not value:
            raise StackProfileError(f"stack output {output} ({key}) is empty")
        table.update(IMPLIED_KEYS.get(output, {}))
        if output in BOOLEAN_OUTPUTS:
            if value not in ("true", "false"):
                raise StackProfileError(
                    f"stack output {output} ({key}) is {value!r}, not true or false"
                )
            table[key] = value == "true"
        elif output in LIST_SEPARATORS:
            items = [item.strip() for item in value.split(LIST_SEPARATORS[output])]
            if not all(items):
                raise StackProfileError(f"stack output {output} ({key}) has an empty item")
            table[key] = items
        else:
            table[key] = value
    return table


def validated(name: str, table: Mapping[str, str | bool | list[str]]) -> config.Profile:
    """``table`` as the app parses it; :class:`StackProfileError` naming the output if not."""
    try:
        return config.parse_profile(name, dict(table))
    except errors.ConfigError as exc:
        outputs = {key: output for output, key in OUTPUTS.items()}
        bad = next((k for k in outputs if f"profiles.{name}.{k}" in str(exc)), None)
        where = f" (stack output {outputs[bad]})" if bad else ""
        raise StackProfileError(f"the app would refuse this profile{where}: {exc}") from None


def check_distinct(path: Path, name: str, profile: config.Profile) -> None:
    """:class:`StackProfileError` if ``profile`` would share a redirect or sign-out URI
    with another profile in ``path`` (profiles that do not parse are not compared)."""
    others: dict[str, config.Profile] = {}
    for other, table in config_writer.load_tables(path).items():
        if other == name:
            continue
        try:
            others[other] = config.parse_profile(other, table)
        except errors.ConfigError:
            continue
    try:
        config.check_distinct_endpoints({**others, name: profile}, involving={name})
    except errors.ConfigError as exc:
        raise StackProfileError(
            f"{exc} (for a stack: deploy it with its own EnvironmentName, which ends the "
            "default CallbackUrls and LogoutUrls paths)"
        ) from None


def render(name: str, table: Mapping[str, str | bool | list[str]]) -> str:
    """The ``[profiles.NAME]`` TOML for ``table``, after the app's validation."""
    validated(name, table)
    return config_writer.dump({name: table})


def _read(source: str) -> str:
    if source == "-":
        text = sys.stdin.read(MAX_INPUT_BYTES + 1)
    else:
        try:
            with Path(source).open(encoding="utf-8") as handle:
                text = handle.read(MAX_INPUT_BYTES + 1)
        except FileNotFoundError:
            raise StackProfileError(f"{source}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StackProfileError(f"cannot read {source}: {exc}") from None
    if len(text) > MAX_INPUT_BYTES:
        raise StackProfileError(f"input is larger than {MAX_INPUT_BYTES} bytes")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.stack_profile",
        description="Turn `aws cloudformation describe-stacks` JSON into a desktop profile.",
    )
    parser.add_argument(
        "input", nargs="?", default="-", help="describe-stacks JSON file (default: stdin)"
    )
    parser.add_argument(
        "--name", default=config.DEFAULT_PROFILE, help="profile name (default: %(default)s)"
    )
    parser.add_argument("--stack", help="which stack, when the input holds several")
    parser.add_argument(
        "--write",
        action="store_true",
        help="put the profile into the app's config file instead of printing it",
    )
    parser.add_argument(
        "--config",
        help=f"with --write: the config file (default: ${config.CONFIG_ENV}, then the app's)",
    )
    args = parser.parse_args(argv)
    try:
        outputs = stack_outputs(parse_document(_read(args.input)), args.stack)
        table = profile_table(outputs)
        text = render(args.name, table)
        if args.write:
            path = config.resolve_path(args.config)
            check_distinct(path, args.name, validated(args.name, table))
            config_writer.save(path, {args.name: table})
            print(f"wrote [profiles.{args.name}] to {path}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    except (StackProfileError, errors.ConfigError) as exc:
        print(f"stack_profile: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
