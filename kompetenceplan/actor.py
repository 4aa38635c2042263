"""Who does something in the register: an `Actor` resolved at the edge (sign-in, a bearer token,
or the operating-system user of a local, one-person installation) and passed down into the
library calls that write, which check its permission and record it. The core (plan → case →
routing → explain/check) never sees an actor.

A record names its actor by ``id`` (stable: the identity provider's subject, the service
account's client id, or ``lokal:<os-user>``) and ``name`` (for people reading the record). A
typed string is never an actor; typed initials survive only in imported historical decisions,
marked as such (docs/register.md).

Permissions are verbs (below); which roles grant which verbs is data (the roles file of the
sign-in configuration, docs/security.md), resolved at the edge into ``Actor.permissions``.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import KompetenceplanError, Problem

#: The kinds of actor: a signed-in person, a case tool's service account, the local user of an
#: installation without sign-in, and the importer of historical records (typed initials).
ActorKind = Literal["person", "service", "local", "import"]

#: Every permission the library and the interfaces check, with what it lets one do (Danish, for
#: refusals). A new verb is added here first.
PERMISSIONS: dict[str, str] = {
    "read_plan": "se kompetenceplanen, dokumentationsstandarden og skemaerne",
    "route": "rute en sag (hvem skal afgøre?)",
    "save_routing": "gemme en routing i registret",
    "record_decision": "registrere en afgørelse",
    "write_submission": "skrive og gemme en indstilling",
    "manage_meetings": "oprette møder, sætte punkter på dagsordenen og sende den",
    "record_outcome": "registrere udvalgets udfald",
    "record_event": "registrere sagshændelser (modtagelse, undersøgelse, plan, opfølgning, formandsafgørelse)",
    "read_deadlines": "se arbejdslisten med frister og sagernes hændelser",
    "read_register": "se registrets sager, afgørelser og møder",
    "answer_checklist": "besvare tilsynets tjekliste",
    "draw_sample": "trække tilsynets stikprøve",
    "read_reports": "se tilsynsrapporter og statusrapporten",
    "import_data": "importere afgørelser, betalinger og sagshændelser",
    "purge": "slette gamle data (opbevaring)",
    "reload_plan": "genindlæse kompetenceplanen",
    "read_access_log": "se adgangsloggen",
}

_SAFE = re.compile(r"[^\w.@:+-]")


class PermissionDenied(KompetenceplanError):
    """The actor lacks a permission (HTTP 403; logged by the interface that refused)."""


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: ActorKind = "person"
    roles: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How a record shows the actor: ``Navn (id)``."""
        return self.name if self.name == self.id else f"{self.name} ({self.id})"

    def require(self, permission: str) -> None:
        """Refuse (`PermissionDenied`) unless the actor has ``permission``."""
        if permission not in PERMISSIONS:  # a programming error, never a user's
            raise ValueError(f"unknown permission {permission!r}")
        if permission not in self.permissions:
            roles = ", ".join(sorted(self.roles)) or "ingen"
            raise PermissionDenied(
                "Du har ikke adgang til dette.",
                [Problem("adgang", f"{self.name} må ikke {PERMISSIONS[permission]} (roller: {roles}).", "Bed en administrator om en rolle, der giver adgangen.")],
            )


def local_actor() -> Actor:
    """The operating-system user of a local installation without sign-in: one person with every
    permission (docs/security.md; `serve` then binds loopback only)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        user = "ukendt"
    user = _SAFE.sub("_", user)[:48] or "ukendt"
    return Actor(id=f"lokal:{user}", name=user, kind="local", roles=frozenset({"lokal"}), permissions=frozenset(PERMISSIONS))


def actor_of(request: Any) -> Actor:
    """The actor of an HTTP request (a Starlette/FastAPI ``Request``): the one the service's one
    permission check (`service.permissions.authorize`) resolved and put on ``request.state.actor``
    — the signed-in person, a case tool's service account, or the local user when no sign-in is
    configured. None: refused, never guessed."""
    found = getattr(request.state, "actor", None)
    if not isinstance(found, Actor):
        raise PermissionDenied("Du er ikke logget ind.", [Problem("adgang", "anmodningen har ingen bruger.", "Log ind, eller send et gyldigt adgangstoken.")])
    return found
