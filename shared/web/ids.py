"""The one URL converter for row ids in both apps: `<id:name>`.

Werkzeug's `int` converter takes any number of digits, and an id past what the database
stores then fails inside the query as a 500 (SQLite: "Python int too large to convert";
PostgreSQL: "integer out of range"). An id that cannot exist is simply not found: the
route does not match, so the answer is the same 404 as for any other unknown address.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Map
from werkzeug.routing.converters import NumberConverter

# Every id column is an INTEGER: 32 bits on PostgreSQL, the narrower of the two databases
# (tests/security/test_id_routes.py asks both for the largest id and one past it).
LARGEST_ID = 2**31 - 1


class IdConverter(NumberConverter):
    """A positive whole number no larger than a database id can be, written plainly
    (no sign, no leading zeros: one address per row)."""

    regex = r"[1-9]\d{0,9}"
    num_convert = int

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=LARGEST_ID)


def install(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
