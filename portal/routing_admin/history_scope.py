"""Which routing versions, and which part of their diffs, a regional admin may read.

A regional admin edits only their region's part, so the history shows them only the
versions that changed that part (version 1, the import, changes every part) and a version's
diff only between that part's texts: other regions' contacts, units and rules never show.
The super admin sees every version and the whole-file diff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from portal.routing.model import RoutingFileError
from portal.routing.models import RoutingVersion
from portal.routing_admin.diffs import unified
from portal.routing_admin.regions import RegionPartError, extract_region


def region_part(text: str, region_id: str) -> str:
    """The region's part of a routing text, "" when the text has no such region."""
    try:
        return extract_region(text, region_id)
    except (RegionPartError, RoutingFileError):
        return ""


def touches_region(version: RoutingVersion, parent_text: str | None, region_id: str) -> bool:
    """Did this version change the region's part (or bring it in, as the first version)?"""
    new = region_part(version.text, region_id)
    old = region_part(parent_text, region_id) if parent_text is not None else ""
    return new != old


def visible_history(
    history: Sequence[RoutingVersion],
    region_id: str | None,
    parent_text: Callable[[int], str | None],
) -> list[RoutingVersion]:
    """`history` (newest first) as `region_id`'s admin may see it; all of it for None."""
    if region_id is None:
        return list(history)
    texts = {v.id: v.text for v in history}

    def parent_of(version: RoutingVersion) -> str | None:
        if version.parent_id is None:
            return None
        if version.parent_id in texts:
            return texts[version.parent_id]
        return parent_text(version.parent_id)

    return [v for v in history if touches_region(v, parent_of(v), region_id)]


def version_diff(version: RoutingVersion, parent_text: str | None, region_id: str | None) -> str:
    """The version's diff against its parent: whole file for None, else the region's part."""
    old_label, new_label = f"versi {version.parent_id}", f"versi {version.id}"
    if region_id is None:
        return unified(parent_text or "", version.text, old_label, new_label)
    old = region_part(parent_text, region_id) if parent_text is not None else ""
    return unified(old, region_part(version.text, region_id), old_label, new_label)
