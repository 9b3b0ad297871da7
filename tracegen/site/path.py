"""The site's path through its lessons: an order that respects every lesson's `prerequisites`.

The path is a topological order of the lessons by their prerequisites. Where several lessons
could come next, the one given first wins: the course's `order` setting, then file name, which
is the order the command line hands the lessons over in (or the order lessons are named in,
for `tracegen build A B`). Lessons without prerequisites keep exactly that order.

A prerequisite must name a lesson of the build. A partial build (`tracegen build A B`) may
name lessons it leaves out (`elsewhere`: the cli passes the other lessons of the lessons folder
and of the named files' folders): they are skipped, and
the path is made of the lessons present, so one lesson can be previewed on its own. A name
found nowhere, or a cycle, is one error line naming the lesson file and `prerequisites`.
"""

from __future__ import annotations

import heapq
import posixpath
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from tracegen.errors import SpecError
from tracegen.spec import LessonSpec

if TYPE_CHECKING:
    from tracegen.html.lesson import PathNav


def present_prerequisites(spec: LessonSpec, names: Collection[str]) -> tuple[str, ...]:
    """Return the lesson's prerequisites that are among the built lessons `names`, in the order it lists them."""
    return tuple(name for name in spec.prerequisites if name in names)


def lesson_path(specs: Sequence[LessonSpec], elsewhere: Collection[str] = ()) -> list[LessonSpec]:
    """Return the lessons in path order (every lesson after its prerequisites; ties in the given order).

    A prerequisite naming neither a lesson of `specs` nor one of `elsewhere` (lessons left out of
    a partial build) is a SpecError, as is a cycle.
    """
    rank = {spec.name: position for position, spec in enumerate(specs)}
    for spec in specs:
        unknown = next((name for name in spec.prerequisites if name not in rank and name not in elsewhere), None)
        if unknown is not None:
            where = "this build or its lessons folder" if elsewhere else "this build"
            raise SpecError(spec.path, "prerequisites", f"no lesson named '{unknown}' in {where}")
    waiting = {spec.name: set(present_prerequisites(spec, rank)) for spec in specs}
    after: dict[str, list[str]] = {spec.name: [] for spec in specs}
    for name, needs in waiting.items():
        for need in needs:
            after[need].append(name)
    ready = [rank[name] for name, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    path: list[LessonSpec] = []
    while ready:
        spec = specs[heapq.heappop(ready)]
        path.append(spec)
        for name in after[spec.name]:
            waiting[name].discard(spec.name)
            if not waiting[name]:
                heapq.heappush(ready, rank[name])
    if len(path) < len(specs):
        stuck = min((spec for spec in specs if waiting[spec.name]), key=lambda spec: rank[spec.name])
        cycle = _cycle(stuck.name, waiting)
        raise SpecError(specs[rank[cycle[0]]].path, "prerequisites", f"a cycle: {' -> '.join(cycle)}; "
                        "a lesson cannot come (directly or indirectly) before itself")
    return path


def _cycle(start: str, waiting: dict[str, set[str]]) -> list[str]:
    """Return a cycle of unmet prerequisites (each lesson followed by one it waits for), its first name repeated."""
    seen: list[str] = []
    name = start
    while name not in seen:
        seen.append(name)
        name = min(waiting[name])  # every lesson still waiting waits on another one still waiting
    return seen[seen.index(name):] + [name]


def path_nav(here: str, path: Sequence[LessonSpec], position: int) -> PathNav:
    """Return the previous/next links of the lesson at `position` of the path, from page folder `here`.

    They lead to the neighbouring lessons' original pages, from a retake page too.
    """
    from tracegen.html.lesson import PageLink, PathNav

    def link(index: int) -> PageLink | None:
        if not 0 <= index < len(path):
            return None
        return PageLink(path[index].title, posixpath.relpath(f"{path[index].name}/index.html", here))

    return PathNav(previous=link(position - 1), next=link(position + 1))
