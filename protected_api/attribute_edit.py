"""An admin's change to a user's attributes, checked against the pool's schema first.

:func:`plan` turns ``PATCH /admin/users/{username}/attributes`` into the two Cognito
calls it becomes (``AdminUpdateUserAttributes`` for the values set,
``AdminDeleteUserAttributes`` for those removed), or refuses it with a 400 naming the
attribute: one the pool does not have, one Cognito keeps itself (``sub``,
``identities``, anything ``cognito:``), an immutable one, a value of the wrong type or
length, a required one deleted.

**Email and verification** (AdminUpdateUserAttributes, "UserAttributes";
``UserAttributeUpdateSettingsType``): a new ``email`` is unverified until confirmed.
In a pool with ``AttributesRequireVerificationBeforeUpdate: [email]`` (the
template's) Cognito keeps the old address, verified, until the person confirms the
code sent to the new one; in a pool without it the new address applies at once,
unverified. Either way the API sends the address alone and lets Cognito apply its
rule, unless the admin says ``email_verified: true`` on purpose: then both go in the
same call and the new address applies at once, verified. ``email_verified`` is never
a plain value in ``set`` (one way to say it, not two).
"""

from __future__ import annotations

import dataclasses

from protected_api import admin_errors, admin_schema, pool_schema


@dataclasses.dataclass(frozen=True)
class Edit:
    """The calls a change becomes: values to write (in order) and names to delete."""

    update: tuple[tuple[str, str], ...]
    delete: tuple[str, ...]


def _refuse(message: str, code: str = "invalid_parameter") -> admin_errors.AdminError:
    return admin_errors.AdminError(400, code, message)


def _writable(schema: pool_schema.PoolSchema, name: str) -> admin_schema.AttributeSpec:
    """The attribute ``name`` if an admin may change it, else the 400 saying why not."""
    if name.startswith("cognito:") or name in pool_schema.READ_ONLY:
        raise _refuse(f"{name} is kept by Cognito itself and cannot be changed")
    if name == pool_schema.EMAIL_VERIFIED:
        raise _refuse("set email_verified with the email_verified field, not as a value")
    spec = schema.spec(name)
    if spec is None:
        raise _refuse(f"{name} is not an attribute of this user pool")
    if not spec.mutable:
        raise _refuse(f"{name} cannot be changed once the user exists (it is immutable)")
    return spec


def plan(schema: pool_schema.PoolSchema, change: admin_schema.AttributeChange) -> Edit:
    """The calls ``change`` becomes, or the 400 that refuses it (see the module docstring)."""
    if not change.values and not change.delete and change.email_verified is None:
        raise _refuse("nothing to change: give set, delete or email_verified", "invalid_request")
    both = sorted(set(change.values) & set(change.delete))
    if both:
        raise _refuse(f"{both[0]} is both set and deleted")
    update: list[tuple[str, str]] = []
    for name, value in change.values.items():
        spec = _writable(schema, name)
        if value == "":
            # Cognito deletes an attribute sent blank; deleting is said with "delete".
            raise _refuse(f"{name}: give a value, or list the attribute under delete")
        why = pool_schema.problem(spec, value)
        if why is not None:
            raise _refuse(f"{name} {why}")
        update.append((name, value))
    for name in dict.fromkeys(change.delete):
        spec = _writable(schema, name)
        if spec.required:
            raise _refuse(f"{name} is required by this user pool and cannot be deleted")
    if change.email_verified is not None:
        if "email" in change.delete:
            raise _refuse("email_verified cannot be set while email is deleted")
        update.append((pool_schema.EMAIL_VERIFIED, "true" if change.email_verified else "false"))
    return Edit(tuple(update), tuple(dict.fromkeys(change.delete)))
