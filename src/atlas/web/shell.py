"""The app shell: the workspace's navigation, grouped by area, and the breadcrumbs.

One table says which list each address belongs to (its first segment after
`/w/{ref}/`); the navigation and the trail Workspace > Area > List > Record both come
from it. A record page names its record by passing `crumbs` to `PageContext.render`.
The names are English, marked for translation (`N_`): the template shows them through
`_()`, and the trail gets them translated by `shell_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from atlas.web.i18n import N_


@dataclass(frozen=True)
class Crumb:
    label: str
    href: str | None = None


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    permission: str | None
    # Other first segments of addresses that belong to this list (`tasks` to Projects).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    name: str
    links: tuple[NavLink, ...]


AREAS = (
    Area(
        N_("Work"),
        (
            NavLink(N_("Projects"), "projects", "projects:read", also=("tasks",)),
            NavLink(N_("Timesheet"), "timesheet", "time:read"),
        ),
    ),
    Area(
        N_("People"),
        (
            NavLink(N_("Employees"), "employees", "employees:read"),
            NavLink(N_("Departments"), "departments", "departments:read"),
            NavLink(N_("Leave"), "leave", "leave:read", also=("leave-types",)),
        ),
    ),
    Area(
        N_("Money"),
        (
            NavLink(N_("Customers"), "customers", "customers:read"),
            NavLink(N_("Invoices"), "invoices", "invoices:read"),
            NavLink(N_("Accounts"), "accounts", "ledger:read"),
            NavLink(N_("Journal"), "journal", "ledger:read"),
            NavLink(N_("Reports"), "reports", "reports:read"),
        ),
    ),
    Area(N_("Settings"), (NavLink(N_("Settings"), "settings", None),)),
)


@dataclass(frozen=True)
class NavGroup:
    area: Area
    links: tuple[NavLink, ...]
    current: bool


@dataclass(frozen=True)
class Shell:
    groups: tuple[NavGroup, ...]
    current: NavLink | None
    breadcrumbs: tuple[Crumb, ...]
    # A page below its list that names no record (a form, a settings page): the trail ends
    # with the page's own title, which only the template knows.
    titled: bool = False


def _section(path: str) -> str:
    """`/w/acme/invoices/123` -> `invoices`; the dashboard -> ``."""
    parts = path.split("/")
    return parts[3] if len(parts) > 3 and parts[1] == "w" else ""


def locate(section: str) -> tuple[Area, NavLink] | None:
    """The area and list an address's first segment belongs to."""
    for area in AREAS:
        for link in area.links:
            if section in (link.path, *link.also):
                return area, link
    return None


def shell_of(
    path: str,
    slug: str,
    workspace_name: str,
    can: Callable[[str], bool],
    crumbs: Sequence[Crumb] = (),
    translate: Callable[[str], str] = str,
) -> Shell:
    """What the header shows for a workspace page at `path`; `translate` gives the area
    and list names of the trail in the page's language."""
    found = locate(_section(path))
    area, current = found if found else (None, None)
    groups = tuple(
        NavGroup(a, links, a is area)
        for a in AREAS
        if (links := tuple(k for k in a.links if k.permission is None or can(k.permission)))
    )
    if area is None or current is None:
        return Shell(groups, current, ())
    base = f"/w/{slug}"
    listed = Crumb(translate(current.label), f"{base}/{current.path}")
    # An area of one list (Settings) is not named twice.
    named = (listed,) if current.label == area.name else (Crumb(translate(area.name)), listed)
    trail = (Crumb(workspace_name, f"{base}/"), *named, *crumbs)
    return Shell(groups, current, trail, titled=not crumbs and path.rstrip("/") != listed.href)
