"""Residents filing complete applications against a live portal from real HTTP
connections, each from an address of its own, for the tests of many people at once."""

from __future__ import annotations

import http.client
import threading
import traceback
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from tests.integration.test_cookies import CSRF
from tests.journeys import ANSWERS, FORM_VERSION

CASES_EACH = 3


class Resident:
    """One person's browser: its own cookies, and its own address (127.0.0.N), so the
    portal's rate limits count each person apart as they would on the internet."""

    def __init__(self, port: int, number: int) -> None:
        self.port, self.address = port, f"127.0.0.{number + 2}"
        self.cookies: SimpleCookie = SimpleCookie()
        self.statuses: list[tuple[str, str, int]] = []

    def request(self, method: str, path: str, fields: dict[str, Any] | None = None) -> str:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(self.address, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())}
        body = urlencode(fields, doseq=True) if fields is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(cookie)
            self.statuses.append((method, path, response.status))
            return response.read().decode()
        finally:
            connection.close()

    def file_cases(self) -> None:
        match = CSRF.search(self.request("GET", "/file/application/start"))
        assert match
        csrf = {"csrf_token": match.group(1)}
        for number in range(CASES_EACH):
            self.request("POST", "/file/application/start", csrf)
            for slug, page in ANSWERS["application"].items():
                if slug == "details":
                    page = {"details": f"From {self.address}, case {number}."}
                if slug == "contact":
                    page = {"email": f"r{self.address}-{number}@example.org"}
                fields = {**csrf, "form_version": FORM_VERSION["application"], **page}
                self.request("POST", f"/file/application/{slug}", fields)
            self.request("POST", "/file/application/check", csrf)


def file_at_once(
    residents: list[Resident], *, start: Any = None, timeout: float = 300
) -> list[str]:
    """Every resident files CASES_EACH cases in a thread of its own, all at once (after
    `start.wait()` when given, to line up with other processes); the tracebacks of any
    that failed."""
    failures: list[str] = []

    def run(resident: Resident) -> None:
        try:
            if start is not None:
                start.wait(timeout=120)
            resident.file_cases()
        except Exception:  # noqa: BLE001 - reported by the test, with the server's log
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(resident,)) for resident in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return failures
