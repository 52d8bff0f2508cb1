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
    # Lets a member whose role is too small still see the section when the app grants
    # them something narrower (e.g. a per-program role). Called with the membership.
    also_visible_to: Callable | None = None
    # Instead of `summary`, for a section whose figures depend on who looks (a member who
    # may see part of it sees only that part's figures). Called with the membership.
    member_summary: Callable | None = None
    # Shortcuts shown on the tile besides its main link: called with the membership,
    # returns [(label, url), ...].
    actions: Callable | None = None

    def url(self, org) -> str:
        return reverse(self.url_name, kwargs={"org_slug": org.slug})

    def figures(self, membership) -> list:
        if self.member_summary:
            return self.member_summary(membership)
        return self.summary(membership.organisation) if self.summary else []

    def actions_for(self, membership) -> list[tuple[str, str]]:
        return self.actions(membership) if self.actions else []


_sections: dict[str, OrgSection] = {}


def register(section: OrgSection) -> None:
    _sections[section.key] = section


def sections_for(membership) -> list[OrgSection]:
    def visible(section: OrgSection) -> bool:
        if membership.has_role(*section.roles):
            return True
        return bool(section.also_visible_to and section.also_visible_to(membership))

    return sorted((s for s in _sections.values() if visible(s)), key=lambda s: (s.order, s.key))
