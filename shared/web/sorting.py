"""Tables sorted on the server: MOJ Frontend's sortable table pattern without its script.

MOJ's script sorts only the rows already on the page, and only with JavaScript; here each
column heading is a link that asks the server for the order, so sorting works without
JavaScript and across pages. The order comes from the query string (`?sort=name&direction=
descending`), checked against the table's allow-list: anything else gets the default.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from flask import request, url_for

Direction = Literal["ascending", "descending"]


@dataclass(frozen=True)
class Sorting:
    """The order a table is shown in, and the links that change it."""

    key: str
    direction: Direction = "ascending"

    @property
    def is_descending(self) -> bool:
        return self.direction == "descending"

    def aria_sort(self, key: str) -> str:
        """The `aria-sort` of a column heading: its direction if the table is sorted by
        it, otherwise "none"."""
        return self.direction if key == self.key else "none"

    def href(self, key: str) -> str:
        """This page sorted by `key`: the other way round if it already is, ascending
        otherwise. Other query arguments stay, except the page number: a new order
        starts at the first page."""
        flipped: Direction = "ascending" if self.is_descending else "descending"
        direction = flipped if key == self.key else "ascending"
        # The query string is built here rather than by url_for, whose options (_external,
        # _scheme...) must never come from the visitor's query string.
        kept = [(name, value) for name, value in request.args.items(multi=True)
                if name not in {"sort", "direction", "page"}]  # fmt: skip
        query = urlencode([*kept, ("sort", key), ("direction", direction)])
        return f"{url_for(str(request.endpoint), **(request.view_args or {}))}?{query}"


def sorting_from(args: Mapping[str, str], *, allowed: Collection[str], default: str) -> Sorting:
    """The order asked for, if the table allows it; the default order otherwise (an
    unknown or hostile value is never an error: it is ignored)."""
    key = args.get("sort", default)
    if key not in allowed:
        return Sorting(default)
    direction: Direction = "descending" if args.get("direction") == "descending" else "ascending"
    return Sorting(key, direction)
