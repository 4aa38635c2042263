"""Who does something in the register: an `Actor` resolved at the edge (sign-in, a bearer token,
or the operating-system user of a local, one-person installation) and passed down into the
library calls that write, which record it. The core (plan → case → routing → explain/check)
never sees an actor.

A record names its actor by ``id`` (stable: the identity provider's subject, the service
account's client id, or ``lokal:<os-user>``) and ``name`` (for people reading the record). A
typed string is never an actor; typed initials survive only in imported historical decisions,
marked as such (docs/register.md).
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field
from typing import Literal

#: The kinds of actor: a signed-in person, a case tool's service account, the local user of an
#: installation without sign-in, and the importer of historical records (typed initials).
ActorKind = Literal["person", "service", "local", "import"]

_SAFE = re.compile(r"[^\w.@:+-]")


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: ActorKind = "person"
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How a record shows the actor: ``Navn (id)``."""
        return self.name if self.name == self.id else f"{self.name} ({self.id})"


def local_actor(roles: frozenset[str] = frozenset()) -> Actor:
    """The operating-system user of a local installation without sign-in (docs/security.md)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        user = "ukendt"
    user = _SAFE.sub("_", user)[:48] or "ukendt"
    return Actor(id=f"lokal:{user}", name=user, kind="local", roles=roles)
