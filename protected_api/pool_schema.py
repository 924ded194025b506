"""The pool's attributes as DescribeUserPool describes them, and what a value must be.

:func:`from_description` reads ``SchemaAttributes`` into
:class:`~protected_api.admin_schema.AttributeSpec` rows (the ``GET /admin/schema``
answer); :func:`problem` says why a value cannot be an attribute's, in words that
complete "``<attribute>`` ...", for the attribute editor (:mod:`protected_api.attribute_edit`)
and the import (:mod:`protected_api.user_csv`) alike. :class:`SchemaCache` keeps the
schema for a minute, so an export of 50,000 users asks Cognito for it about once, not
once per page.

Cognito's rules, from its API reference (``SchemaAttributeType``, ``AttributeType``):
String values are 0..2048 characters unless the schema says less, Number values are
numbers within ``NumberAttributeConstraints``, Boolean values are ``true`` or
``false``. Lengths are counted here in code points (Cognito's own counting unit is
not documented; for text outside the Basic Multilingual Plane they may differ).
"""

from __future__ import annotations

import dataclasses
import decimal
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, cast

from protected_api import admin_schema, user_search

#: Attributes Cognito keeps itself: never written by an admin, never in an import file.
READ_ONLY = frozenset({"sub", "identities"})
#: Cognito's verification flags: ``email_verified`` is set on purpose only
#: (``AttributeChange.email_verified``), never as a plain value.
EMAIL_VERIFIED = "email_verified"
DEFAULT_MAX_LENGTH = 2048
CACHE_TTL_S = 60.0
_TYPES = frozenset({"String", "Number", "DateTime", "Boolean"})
_NUMBER = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?")
# E.164 as Cognito writes phone numbers: a plus, the country code, the number.
_PHONE = re.compile(r"\+[1-9][0-9]{3,14}")


@dataclasses.dataclass(frozen=True)
class PoolSchema:
    """The attributes users may carry, the pool's MFA setting and its size."""

    attributes: tuple[admin_schema.AttributeSpec, ...]
    mfa_configuration: str = "OFF"  # OFF, ON or OPTIONAL
    estimated_users: int = 0

    def spec(self, name: str) -> admin_schema.AttributeSpec | None:
        """The attribute called ``name`` (``custom:department``), if the pool has one."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    @property
    def required(self) -> tuple[str, ...]:
        """The attributes every user must be given (the template's: ``email``); not
        ``sub``, which Cognito lists as required and makes itself."""
        return tuple(a.name for a in self.attributes if a.required and a.name not in READ_ONLY)


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def attribute(raw: Mapping[str, Any]) -> admin_schema.AttributeSpec | None:
    """One ``SchemaAttributeType`` as an :class:`~protected_api.admin_schema.AttributeSpec`;
    None for a developer-only attribute (``dev:custom:...``, which only the app's own
    backend writes) or one of a type Cognito does not define."""
    name = str(raw.get("Name", ""))
    kind = str(raw.get("AttributeDataType", "String"))
    if (
        not name
        or name.startswith("dev:")
        or raw.get("DeveloperOnlyAttribute")
        or (kind not in _TYPES)
    ):
        return None
    # CreateUserPool takes custom attributes without their prefix; DescribeUserPool
    # answers with it. Either way users carry them as custom:<name>.
    custom = name.startswith("custom:")
    strings = raw.get("StringAttributeConstraints") or {}
    numbers = raw.get("NumberAttributeConstraints") or {}
    return admin_schema.AttributeSpec(
        name=name,
        type=cast(admin_schema.AttributeType, kind),  # one of _TYPES, checked above
        mutable=bool(raw.get("Mutable", True)),
        required=bool(raw.get("Required", False)),
        min_length=_int(strings.get("MinLength")) if kind == "String" else None,
        max_length=_int(strings.get("MaxLength")) if kind == "String" else None,
        min_value=_int(numbers.get("MinValue")) if kind == "Number" else None,
        max_value=_int(numbers.get("MaxValue")) if kind == "Number" else None,
        custom=custom,
        searchable=not custom and name in user_search.SEARCHABLE_ATTRIBUTES,
    )


def from_description(pool: Mapping[str, Any]) -> PoolSchema:
    """The schema in a DescribeUserPool ``UserPool``."""
    specs = (attribute(raw) for raw in pool.get("SchemaAttributes") or [])
    return PoolSchema(
        attributes=tuple(spec for spec in specs if spec is not None),
        mfa_configuration=str(pool.get("MfaConfiguration") or "OFF"),
        estimated_users=_int(pool.get("EstimatedNumberOfUsers")) or 0,
    )


def problem(spec: admin_schema.AttributeSpec, value: str) -> str | None:
    """Why ``value`` cannot be ``spec``'s value, completing "<name> ..." (never quoting
    the value); None when it can."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        return "must not contain control characters"
    if spec.type == "Boolean":
        return None if value in ("true", "false") else 'must be "true" or "false"'
    if spec.type == "Number":
        return _number_problem(spec, value)
    longest = spec.max_length if spec.max_length is not None else DEFAULT_MAX_LENGTH
    shortest = spec.min_length or 0
    if len(value) > longest:
        return f"must be at most {longest} characters"
    if len(value) < shortest:
        return f"must be at least {shortest} characters"
    if spec.name == "email" and not admin_schema.is_email(value):
        return "must be an email address"
    if spec.name == "phone_number" and not _PHONE.fullmatch(value):
        return "must be a phone number in international form: a + and 4 to 15 digits"
    return None


def _number_problem(spec: admin_schema.AttributeSpec, value: str) -> str | None:
    if not _NUMBER.fullmatch(value):
        return "must be a number"
    number = decimal.Decimal(value)
    if spec.min_value is not None and number < spec.min_value:
        return f"must be at least {spec.min_value}"
    if spec.max_value is not None and number > spec.max_value:
        return f"must be at most {spec.max_value}"
    return None


class SchemaCache:
    """The pool's schema, asked for at most once per ``ttl_s`` (thread-safe).

    A custom attribute added to the pool shows after at most ``ttl_s``: until then an
    edit of it is refused as unknown, and an export page leaves its column out.
    """

    def __init__(
        self,
        load: Callable[[], PoolSchema],
        *,
        ttl_s: float = CACHE_TTL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._now = now
        self._lock = threading.Lock()
        self._value: PoolSchema | None = None
        self._until = 0.0

    def get(self, *, fresh: bool = False) -> PoolSchema:
        """The schema, from memory unless it is older than the TTL or ``fresh`` is asked."""
        with self._lock:
            if not fresh and self._value is not None and self._now() < self._until:
                return self._value
        value = self._load()  # outside the lock: a slow Cognito holds nobody else up
        with self._lock:
            self._value = value
            self._until = self._now() + self._ttl_s
        return value
