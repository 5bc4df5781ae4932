"""A region's part of the routing file: cut it out for its admin, splice it back in.

The part is cut and spliced as text, at the line span ruamel's round-trip parser reports
for the region's entry under `regions:`. Everything outside the span (comments, key order,
blank lines, other regions) is therefore kept byte for byte, and an error's line in the
whole file maps to a line of the part by one subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.routing.loader import parse_yaml
from portal.routing.model import RoutingFileError


class RegionPartError(ValueError):
    """The region cannot be cut out, or the edited part does not fit back in."""

    def __init__(self, message: str, line: int = 1):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class RegionSpan:
    """Lines [start, end) of the whole file (0-based) hold the region; `indent` is the
    column of its keys (the `- ` dash sits two columns to the left)."""

    start: int
    end: int
    indent: int


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _leading(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def find_region(text: str, region_id: str) -> RegionSpan:
    """Where the region's entry is in the whole file; RegionPartError if it is not there."""
    doc = parse_yaml(text, "routing")
    regions = doc.get("regions") if isinstance(doc, dict) else None
    if not isinstance(regions, list):
        raise RegionPartError("the file has no 'regions' list")
    lines = text.split("\n")
    for index, entry in enumerate(regions):
        if not (isinstance(entry, dict) and entry.get("id") == region_id):
            continue
        try:
            start, indent = regions.lc.item(index)
        except (AttributeError, KeyError, IndexError) as exc:
            raise RegionPartError(f"region '{region_id}' has no position in the file") from exc
        if indent < 2 or lines[start][indent - 2 : indent] != "- ":
            raise RegionPartError(
                f"region '{region_id}' is not written as a block ('- id: …'); "
                "ask the super admin to edit the whole file"
            )
        end = start + 1
        while end < len(lines) and (
            _is_blank_or_comment(lines[end]) or _leading(lines[end]) >= indent
        ):
            end += 1
        while end > start + 1 and (
            not lines[end - 1].strip()
            or (_is_blank_or_comment(lines[end - 1]) and _leading(lines[end - 1]) < indent)
        ):
            end -= 1
        return RegionSpan(start, end, indent)
    raise RegionPartError(f"region '{region_id}' is not in the routing file")


def extract_region(text: str, region_id: str) -> str:
    """The region's entry as a top-level mapping (`id: …` at column 0), comments kept."""
    span = find_region(text, region_id)
    lines = text.split("\n")[span.start : span.end]
    part = [lines[0][span.indent :]]
    part += [line[min(span.indent, _leading(line)) :] for line in lines[1:]]
    return "\n".join(part) + "\n"


def normalise_newlines(text: str) -> str:
    """Browsers send textarea lines with CRLF; the file uses LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def merge_region(whole: str, region_id: str, part: str) -> tuple[str, RegionSpan]:
    """The whole file with the region's entry replaced by `part`, and the new span.

    The part must be one mapping that keeps `id: <region_id>`; a part that names another
    region, or is no mapping at all, is refused before anything else is checked.
    """
    part = normalise_newlines(part)
    check_part(part, region_id)
    span = find_region(whole, region_id)
    lines = whole.split("\n")
    part_lines = part.split("\n")
    if part_lines and part_lines[-1] == "":
        part_lines.pop()
    placed, dashed = [], False
    for line in part_lines:
        if not line.strip():
            placed.append("")
        elif not dashed and not _is_blank_or_comment(line):
            placed.append(" " * (span.indent - 2) + "- " + line)
            dashed = True
        else:
            placed.append(" " * span.indent + line)
    merged = lines[: span.start] + placed + lines[span.end :]
    return "\n".join(merged), RegionSpan(span.start, span.start + len(placed), span.indent)


def check_part(part: str, region_id: str) -> None:
    """The part parses as one mapping whose id is the admin's region (RegionPartError)."""
    try:
        doc = parse_yaml(part, "part")
    except RoutingFileError as exc:
        issue = exc.issues[0]
        raise RegionPartError(issue.message, issue.line) from exc
    if not isinstance(doc, dict):
        raise RegionPartError(
            f"the text must be the mapping of region '{region_id}', starting with 'id: {region_id}'"
        )
    if doc.get("id") != region_id:
        line = doc.lc.key("id")[0] + 1 if "id" in doc else 1
        raise RegionPartError(
            f"this part belongs to region '{region_id}'; its id must stay '{region_id}' "
            "(you may not edit or add another region)",
            line,
        )
    first = next((ln for ln in part.split("\n") if not _is_blank_or_comment(ln)), "")
    if _leading(first) != 0:
        raise RegionPartError("the first key (id) must start at the beginning of the line")
