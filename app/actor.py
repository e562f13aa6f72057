"""Who is making a request: a person or (later) another agency's system."""

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    kind: str  # "user" or "api_client"
    name: str
    roles: frozenset[str]
    department_id: uuid.UUID | None
    ip: str | None = field(default=None, compare=False)

    def has_any(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def is_citizen_roles(roles: frozenset[str] | list[str] | None) -> bool:
    """A member of the public: a citizen account and nothing else."""
    return set(roles or ()) == {"citizen"}


def is_staff(actor: Actor) -> bool:
    """A city employee signed in as themself (not a citizen, not another agency's system)."""
    return actor.kind == "user" and not is_citizen_roles(actor.roles)
