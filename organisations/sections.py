"""Feature apps register the sections of the organiser home here.

organisations knows no feature app; each feature app calls `register` from its
AppConfig.ready(), so the organiser home and navigation can list it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class OrgSection:
    key: str
    title: str
    url_name: str  # reversed with org_slug
    roles: tuple[str, ...]  # roles that see it (admins always do)
    description: str = ""
    # Called with the organisation; returns short figures for the tile, e.g.
    # [("Awaiting review", 3)]. Must run a constant number of queries.
    summary: Callable | None = None
    order: int = 100

    def url(self, org) -> str:
        return reverse(self.url_name, kwargs={"org_slug": org.slug})


_sections: dict[str, OrgSection] = {}


def register(section: OrgSection) -> None:
    _sections[section.key] = section


def sections_for(membership) -> list[OrgSection]:
    return sorted(
        (s for s in _sections.values() if membership.has_role(*s.roles)),
        key=lambda s: (s.order, s.key),
    )
