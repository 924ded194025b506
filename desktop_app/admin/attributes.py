"""Which of a user's attributes an admin may edit, and what a value must look like.

The one room for the attribute rules of the admin console. The pool's schema
(``admin.get_schema``: each attribute's type, whether it is mutable or required, its
length or value limits) and the user's attributes as Cognito returns them
(``UserDetail.attributes``) become :class:`Field` rows (:func:`fields`); a row an
admin may not edit carries why (:data:`READ_ONLY`). :func:`check` judges one typed
value the way Cognito's ``AdminUpdateUserAttributes`` will, and :func:`plan` turns
what was typed into the one :class:`Edit` to send: the values set, the attributes
deleted (a field emptied), and whether a new email address is marked verified on
purpose (otherwise Cognito leaves it unverified until the user confirms it).

A value's problem is an :class:`Invalid` (a :class:`Problem` and its limit);
:func:`desktop_app.qt.messages.attribute_problem` words it. The read-only reasons are
plain English, translated where the GUI shows them. Pure Python: no Qt.

Cognito's rules: https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from desktop_app.api import admin

EMAIL = "email"
EMAIL_VERIFIED = "email_verified"
PHONE = "phone_number"

#: Attributes no one edits from the console, and why (plain English). ``sub`` and
#: ``cognito:*`` are Cognito's own; the verification flags follow the email and phone
#: (see the email rule in :func:`plan`, and the "Mark email verified" action); the last
#: sign-in is written by the post authentication trigger at each sign-in.
READ_ONLY: dict[str, str] = {
    "sub": "Cognito's ID for the user: it never changes.",
    EMAIL_VERIFIED: "Follows the email address: changing it asks whether to mark the new "
    "one verified, and Mark email verified sets it on its own.",
    "phone_number_verified": "Set when the user confirms their phone number.",
    "custom:last_sign_in": "Written at each sign-in by the sign-in trigger.",
}
COGNITO_OWN = "Cognito sets this attribute; it cannot be edited."
IMMUTABLE = "The pool's schema makes this attribute unchangeable once the account exists."
NOT_IN_SCHEMA = "The pool's schema does not list this attribute, so it cannot be edited here."

_INTEGER = re.compile(r"^[+-]?\d+$")
_PHONE = re.compile(r"^\+[1-9]\d{3,14}$")  # E.164, as Cognito takes it
_BIRTHDATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")  # OpenID Connect: 0000 for no year


class Spec(Protocol):
    """What these rules read of ``admin.AttributeSpec`` (one row of the pool's schema)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...  # "String", "Number", "DateTime" or "Boolean"

    @property
    def mutable(self) -> bool: ...

    @property
    def required(self) -> bool: ...

    @property
    def min_length(self) -> int | None: ...

    @property
    def max_length(self) -> int | None: ...

    @property
    def min_value(self) -> int | None: ...

    @property
    def max_value(self) -> int | None: ...

    @property
    def custom(self) -> bool: ...


class Problem(enum.Enum):
    """What is wrong with a typed value (:func:`desktop_app.qt.messages.attribute_problem`
    words each; ``limit`` is the number it names, if any)."""

    REQUIRED = "required"  # emptied, but the pool requires it
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"  # a whole number, as Cognito's Number type takes
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_TRUE_OR_FALSE = "not_true_or_false"
    NOT_A_DATE_TIME = "not_a_date_time"
    NOT_AN_EMAIL = "not_an_email"
    NOT_A_PHONE_NUMBER = "not_a_phone_number"
    NOT_A_BIRTHDATE = "not_a_birthdate"


@dataclasses.dataclass(frozen=True)
class Invalid:
    problem: Problem
    limit: int | None = None


@dataclasses.dataclass(frozen=True)
class Field:
    """One attribute as the edit dialog shows it: its current ``value`` ("" when the
    user has none), its schema row (None: the user has it, the schema does not list
    it) and, when it may not be edited, why (``read_only``)."""

    name: str
    value: str
    spec: Spec | None
    read_only: str | None

    @property
    def editable(self) -> bool:
        return self.read_only is None

    @property
    def required(self) -> bool:
        return self.spec is not None and self.spec.required

    @property
    def custom(self) -> bool:
        return self.name.startswith("custom:")


@dataclasses.dataclass(frozen=True)
class Edit:
    """What one save sends (``PATCH /admin/users/{username}/attributes``)."""

    set: Mapping[str, str] = dataclasses.field(default_factory=dict)
    delete: tuple[str, ...] = ()
    email_verified: bool | None = None  # True: the new email is marked verified on purpose

    @property
    def empty(self) -> bool:
        return not self.set and not self.delete

    @property
    def names(self) -> tuple[str, ...]:
        """Every attribute this edit changes, in order."""
        return (*self.set, *self.delete)


def read_only(name: str, spec: Spec | None) -> str | None:
    """Why ``name`` may not be edited here (None: it may)."""
    if name in READ_ONLY:
        return READ_ONLY[name]
    if name.startswith("cognito:"):
        return COGNITO_OWN
    if spec is None:
        return NOT_IN_SCHEMA
    if not spec.mutable:
        return IMMUTABLE
    return None


def fields(schema: Iterable[Spec], current: Mapping[str, str]) -> tuple[Field, ...]:
    """Every attribute of the schema, and any other the user has, as rows: the email
    and phone number first, then the standard attributes, then the custom ones (each
    alphabetical)."""
    specs = {spec.name: spec for spec in schema}
    names = set(specs) | set(current)
    rows = (Field(n, current.get(n, ""), specs.get(n), read_only(n, specs.get(n))) for n in names)
    return tuple(sorted(rows, key=_order))


def _order(row: Field) -> tuple[int, str]:
    if row.name in (EMAIL, PHONE):
        return (0, row.name)
    return (2 if row.custom else 1, row.name)


def check(row: Field, typed: str) -> Invalid | None:
    """What is wrong with ``typed`` as ``row``'s new value (None: Cognito takes it). An
    empty value deletes the attribute: only a required one refuses it."""
    value = typed.strip()
    if not value:
        return Invalid(Problem.REQUIRED) if row.required else None
    spec = row.spec
    kind = spec.type if spec is not None else "String"
    if kind == "Number":
        return _check_number(value, spec)
    if kind == "Boolean":
        return None if value.lower() in ("true", "false") else Invalid(Problem.NOT_TRUE_OR_FALSE)
    if kind == "DateTime":
        return None if _is_date_time(value) else Invalid(Problem.NOT_A_DATE_TIME)
    length = _check_length(value, spec)
    if length is not None:
        return length
    return _check_format(row.name, value)


def _check_number(value: str, spec: Spec | None) -> Invalid | None:
    if not _INTEGER.match(value):
        return Invalid(Problem.NOT_A_NUMBER)
    number = int(value)
    if spec is not None and spec.min_value is not None and number < spec.min_value:
        return Invalid(Problem.TOO_SMALL, spec.min_value)
    if spec is not None and spec.max_value is not None and number > spec.max_value:
        return Invalid(Problem.TOO_LARGE, spec.max_value)
    return None


def _check_length(value: str, spec: Spec | None) -> Invalid | None:
    shortest = spec.min_length if spec is not None else None
    longest = admin.MAX_ATTRIBUTE_VALUE
    if spec is not None and spec.max_length is not None:
        longest = spec.max_length
    if shortest is not None and len(value) < shortest:
        return Invalid(Problem.TOO_SHORT, shortest)
    if len(value) > longest:
        return Invalid(Problem.TOO_LONG, longest)
    return None


def _check_format(name: str, value: str) -> Invalid | None:
    """The standard attributes whose format Cognito checks."""
    if name == EMAIL:
        try:
            admin.check_email(value)
        except ValueError:
            return Invalid(Problem.NOT_AN_EMAIL)
    elif name == PHONE and not _PHONE.match(value):
        return Invalid(Problem.NOT_A_PHONE_NUMBER)
    elif name == "birthdate" and not _is_birthdate(value):
        return Invalid(Problem.NOT_A_BIRTHDATE)
    return None


def _is_birthdate(value: str) -> bool:
    found = _BIRTHDATE.match(value)
    if found is None:
        return False
    year, month, day = (int(part) for part in found.groups())
    try:
        datetime.date(year or 2000, month, day)  # 0000: the year is not given (a leap one)
    except ValueError:
        return False
    return True


def _is_date_time(value: str) -> bool:
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def normalised(row: Field, typed: str) -> str:
    """``typed`` as it is sent: trimmed; a Boolean in lower case."""
    value = typed.strip()
    if row.spec is not None and row.spec.type == "Boolean":
        return value.lower()
    return value


def email_change(rows: Iterable[Field], typed: Mapping[str, str]) -> bool:
    """The email address is being changed to a new one (not emptied): Cognito will
    treat it as unverified unless the admin marks it verified."""
    row = next((r for r in rows if r.name == EMAIL), None)
    if row is None or not row.editable or EMAIL not in typed:
        return False
    new = normalised(row, typed[EMAIL])
    return bool(new) and new != row.value


def plan(
    rows: Iterable[Field], typed: Mapping[str, str], *, mark_email_verified: bool = False
) -> tuple[Edit, dict[str, Invalid]]:
    """The edit ``typed`` (field name -> text) asks for, and each field's problem. Only
    editable fields that changed count: an emptied one is deleted, another is set.
    ``mark_email_verified`` sends ``email_verified=true`` with a new email address (the
    admin's choice); without it the new address stays unverified until confirmed."""
    changes: dict[str, str] = {}
    deleted: list[str] = []
    problems: dict[str, Invalid] = {}
    listed = tuple(rows)
    for row in listed:
        if not row.editable or row.name not in typed or typed[row.name] == row.value:
            continue
        value = normalised(row, typed[row.name])
        if value == row.value:
            continue
        invalid = check(row, value)
        if invalid is not None:
            problems[row.name] = invalid
        elif value:
            changes[row.name] = value
        elif row.value:
            deleted.append(row.name)
    verified = True if mark_email_verified and EMAIL in changes else None
    return Edit(changes, tuple(deleted), verified), problems
