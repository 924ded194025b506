"""Cognito's user-import CSV format: the header, a user as a row, a row as a new user.

The format is the one Cognito's user import job reads ("Creating the user import CSV
file", Amazon Cognito Developer Guide):

* the header is ``GetCSVHeader``'s: every attribute of the pool's schema but ``sub``
  (custom ones included, as ``custom:<name>``), then ``cognito:mfa_enabled`` and
  ``cognito:username``. The API computes it the same way from the ``DescribeUserPool``
  schema it reads anyway (:func:`header`) instead of calling ``GetCSVHeader``, which
  moto (under the stand-in) does not implement; ``identities`` (federated links, kept
  by Cognito) is left out too. The order of the columns does not matter to Cognito's
  importer;
* every column of the header is present in every row; an empty cell is an absent
  attribute; ``cognito:username`` and ``cognito:mfa_enabled`` are never empty;
* booleans (``email_verified``, ``phone_number_verified``, ``cognito:mfa_enabled``) are
  written ``TRUE`` or ``FALSE`` (read in any case);
* ``birthdate`` is ``mm/dd/yyyy`` in the file, ``yyyy-mm-dd`` in Cognito.

What a file needs on top (no byte-order mark, a comma inside a value written ``\\,``,
no quotes) is the writer's business: the API answers and takes rows as lists of
strings, never as CSV text.

``cognito:mfa_enabled`` cannot say whether a user has an authenticator app (ListUsers
does not tell, and a TOTP secret cannot leave the pool): an export writes ``TRUE``
when the pool requires MFA and ``FALSE`` otherwise, as Cognito's importer requires
for those pools, and people set up their authenticator again in the new pool.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from protected_api import admin_errors, admin_schema, pool_schema

USERNAME = "cognito:username"
MFA_ENABLED = "cognito:mfa_enabled"
TRUE, FALSE = "TRUE", "FALSE"
_COGNITO_BIRTHDATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_FILE_BIRTHDATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
#: Attributes an import file never carries: Cognito keeps them (pool_schema.READ_ONLY).
NOT_IMPORTED = pool_schema.READ_ONLY


class RowError(Exception):
    """One row cannot become a user: ``code`` and a sentence naming the column (never
    the value)."""

    def __init__(self, message: str, code: str = "invalid_parameter") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def header(schema: pool_schema.PoolSchema) -> list[str]:
    """The import file's columns for ``schema``, as ``GetCSVHeader`` lists them."""
    columns = [a.name for a in schema.attributes if a.name not in NOT_IMPORTED]
    return [*columns, MFA_ENABLED, USERNAME]


def _boolean_out(value: str | None) -> str:
    if value == "true":
        return TRUE
    if value == "false":
        return FALSE
    return ""


def row(
    user: Mapping[str, Any], columns: Sequence[str], schema: pool_schema.PoolSchema
) -> list[str]:
    """A ListUsers user as a row of ``columns`` (see the module docstring)."""
    attributes = {a["Name"]: str(a.get("Value", "")) for a in user.get("Attributes", [])}
    mfa = TRUE if schema.mfa_configuration == "ON" else FALSE
    cells: list[str] = []
    for column in columns:
        spec = schema.spec(column)
        value = attributes.get(column)
        if column == USERNAME:
            cells.append(str(user["Username"]))
        elif column == MFA_ENABLED:
            cells.append(mfa)
        elif spec is not None and spec.type == "Boolean":
            cells.append(_boolean_out(value))
        elif column == "birthdate" and value and (match := _COGNITO_BIRTHDATE.fullmatch(value)):
            year, month, day = match.groups()
            cells.append(f"{month}/{day}/{year}")
        else:
            cells.append(value or "")
    return cells


@dataclasses.dataclass(frozen=True)
class Columns:
    """An import's header, checked against the pool: where the two Cognito columns are."""

    names: tuple[str, ...]
    username: int
    mfa_enabled: int


def columns(schema: pool_schema.PoolSchema, names: Sequence[str]) -> Columns:
    """The header ``names``, or the 400 naming the column that cannot be imported.

    A column the pool does not have is refused (add the attribute to the pool first);
    a column of the pool may be missing, unless it is required.
    """

    def refuse(message: str) -> admin_errors.AdminError:
        return admin_errors.AdminError(400, "invalid_parameter", message)

    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise refuse(f"column {name} appears twice in the header")
        seen.add(name)
        if name in (USERNAME, MFA_ENABLED):
            continue
        if name in NOT_IMPORTED:
            raise refuse(f"column {name} is kept by Cognito and cannot be imported")
        if schema.spec(name) is None:
            raise refuse(f"column {name} is not an attribute of this user pool")
    for needed in (USERNAME, MFA_ENABLED, *schema.required):
        if needed not in seen:
            raise refuse(f"the header has no {needed} column")
    return Columns(tuple(names), names.index(USERNAME), names.index(MFA_ENABLED))


def _boolean_in(name: str, value: str) -> str:
    if value.upper() == TRUE:
        return "true"
    if value.upper() == FALSE:
        return "false"
    raise RowError(f"{name} must be TRUE or FALSE")


def new_user(
    schema: pool_schema.PoolSchema, header_: Columns, cells: Sequence[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The username and attributes (Cognito's form) of one row, or :class:`RowError`."""
    if len(cells) != len(header_.names):
        raise RowError(f"the row has {len(cells)} values and the header {len(header_.names)}")
    username = cells[header_.username]
    if not admin_schema.is_cognito_name(username):
        raise RowError(
            f"{USERNAME} must be 1 to {admin_schema.MAX_NAME} letters, digits, symbols "
            "or punctuation, without spaces"
        )
    _boolean_in(MFA_ENABLED, cells[header_.mfa_enabled])
    attributes: list[tuple[str, str]] = []
    for name, value in zip(header_.names, cells, strict=True):
        if name in (USERNAME, MFA_ENABLED) or value == "":
            continue
        spec = schema.spec(name)
        assert spec is not None  # columns() refused any other
        if spec.type == "Boolean":
            value = _boolean_in(name, value)
        elif name == "birthdate" and (match := _FILE_BIRTHDATE.fullmatch(value)):
            month, day, year = match.groups()
            value = f"{year}-{month}-{day}"
        why = pool_schema.problem(spec, value)
        if why is not None:
            raise RowError(f"{name} {why}")
        attributes.append((name, value))
    present = {name for name, _ in attributes}
    for needed in schema.required:
        if needed not in present:
            raise RowError(f"{needed} is required by this user pool")
    return username, attributes


def usernames(rows: Iterable[Sequence[str]], header_: Columns) -> list[str]:
    """The ``cognito:username`` of each row ('' for a row too short to have one)."""
    return [cells[header_.username] if len(cells) > header_.username else "" for cells in rows]
