"""Roles as data: a small TOML file maps the identity provider's groups to roles, roles to
permissions (the verbs of `kompetenceplan.actor.PERMISSIONS`) and service accounts (OAuth2
client ids) to roles. The bundled example is ``service/roller.toml``; docs/security.md
describes the format.

A person's roles are the union of the roles of every group they belong to; a group the file
does not name gives nothing. A person or service with no roles is signed in but may do
nothing (every route answers 403 and says which permission is missing).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..actor import PERMISSIONS, Actor
from ..errors import KompetenceplanError, Problem

#: The example roles file shipped with the package (`serve --roles` without a value).
DEFAULT_ROLES = Path(__file__).with_name("roller.toml")
SECTIONS = ("claims", "grupper", "roller", "tjenestekonti")


class RolesError(KompetenceplanError):
    """The roles file cannot be used (CLI exit 2; the service does not start)."""


@dataclass(frozen=True)
class Roles:
    """The roles file, read and checked."""

    groups: dict[str, frozenset[str]]
    permissions: dict[str, frozenset[str]]
    services: dict[str, frozenset[str]]
    groups_claim: str = "groups"
    name_claim: str = "name"

    def _permissions(self, roles: frozenset[str]) -> frozenset[str]:
        return frozenset(p for role in roles for p in self.permissions.get(role, ()))

    def person(self, subject: str, name: str, groups: list[str]) -> Actor:
        """A signed-in person: the roles of their groups."""
        roles = frozenset(r for g in groups for r in self.groups.get(g, ()))
        return Actor(id=subject, name=name or subject, kind="person", roles=roles, permissions=self._permissions(roles))

    def service(self, client_id: str) -> Actor:
        """A case tool's service account (client credentials): the roles the file gives its client id."""
        roles = self.services.get(client_id, frozenset())
        return Actor(id=client_id, name=client_id, kind="service", roles=roles, permissions=self._permissions(roles))

    def groups_of(self, claims: dict[str, Any]) -> list[str]:
        """The group names in a token's claims (a list of strings, or one string); anything else is none."""
        value = claims.get(self.groups_claim)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [g for g in value if isinstance(g, str)]
        return []


def load_roles(path: Path | None = None) -> Roles:
    """Read and check the roles file; every problem is reported at once (`RolesError`)."""
    where = str(path or DEFAULT_ROLES)
    try:
        data = tomllib.loads((path or DEFAULT_ROLES).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RolesError("Rollefilen kan ikke læses.", [Problem(where, f"filen kan ikke åbnes ({type(exc).__name__}).", "Angiv en rollefil, der findes, med --roles FIL.")]) from None
    except UnicodeDecodeError:
        raise RolesError("Rollefilen kan ikke læses.", [Problem(where, "filen er ikke UTF-8.", "Gem filen som UTF-8.")]) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message names the line and column, never a value from the file
        raise RolesError("Rollefilen er ikke gyldig TOML.", [Problem(where, f"{exc}.", "Ret linjen; se eksemplet kompetenceplan/service/roller.toml.")]) from None
    problems: list[Problem] = []
    for key in data:
        if key not in SECTIONS:
            problems.append(Problem(f"{where}: [{key}]", "er ikke en del af formatet.", f"Brug kun {', '.join(f'[{s}]' for s in SECTIONS)}."))
    claims = _table(data, "claims", where, problems)
    groups_claim = _claim(claims, "grupper", "groups", where, problems)
    name_claim = _claim(claims, "navn", "name", where, problems)
    roles_table = _table(data, "roller", where, problems)
    if not roles_table and "roller" in data:
        problems.append(Problem(f"{where}: [roller]", "definerer ingen roller.", 'Tilføj fx [roller."rådgiver"] med rettigheder = ["route"].'))
    permissions: dict[str, frozenset[str]] = {}
    for role, spec in roles_table.items():
        at = f"{where}: roller.{role}"
        if not isinstance(spec, dict) or set(spec) != {"rettigheder"} or not isinstance(spec["rettigheder"], list):
            problems.append(Problem(at, "skal have netop nøglen rettigheder, en liste af rettigheder.", 'Skriv fx rettigheder = ["route", "save_routing"].'))
            continue
        verbs = spec["rettigheder"]
        for i, verb in enumerate(verbs, 1):
            if not isinstance(verb, str) or verb not in PERMISSIONS:
                problems.append(Problem(f"{at}.rettigheder[{i}]", "er ikke en kendt rettighed.", f"Brug en af: {', '.join(PERMISSIONS)}."))
        permissions[role] = frozenset(v for v in verbs if isinstance(v, str) and v in PERMISSIONS)
    groups = _mapping(_table(data, "grupper", where, problems), "grupper", permissions, where, problems)
    services = _mapping(_table(data, "tjenestekonti", where, problems), "tjenestekonti", permissions, where, problems)
    if problems:
        raise RolesError("Rollefilen har fejl.", problems)
    return Roles(groups=groups, permissions=permissions, services=services, groups_claim=groups_claim, name_claim=name_claim)


def _table(data: dict[str, Any], name: str, where: str, problems: list[Problem]) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        problems.append(Problem(f"{where}: {name}", "skal være en tabel.", f"Skriv [{name}] på sin egen linje og nøglerne under den."))
        return {}
    return value


def _claim(claims: dict[str, Any], key: str, default: str, where: str, problems: list[Problem]) -> str:
    value = claims.get(key, default)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(f"{where}: claims.{key}", "skal være navnet på et claim (tekst).", f'Skriv fx {key} = "{default}".'))
        return default
    return value


def _mapping(table: dict[str, Any], section: str, roles: dict[str, frozenset[str]], where: str, problems: list[Problem]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for i, (name, value) in enumerate(table.items(), 1):
        # a group or client name is the provider's, not personal data, but it is named by position
        # like every key a user wrote
        at = f"{where}: {section} nr. {i}"
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            problems.append(Problem(at, "skal være en liste af roller.", 'Skriv fx "kp-raadgivere" = ["rådgiver"].'))
            continue
        unknown = [r for r in value if r not in roles]
        if unknown:
            problems.append(
                Problem(at, f"nævner en rolle, som [roller] ikke definerer ({len(unknown)} ukendt{'e' if len(unknown) > 1 else ''}).", f"Brug en af: {', '.join(roles) or '(ingen roller defineret)'}.")
            )
        out[name] = frozenset(r for r in value if r in roles)
    return out
