"""The portal, served by one process for the upload benchmark (so its memory can be read)."""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from portal import create_portal


def main() -> None:
    port = int(sys.argv[1])
    make_server("127.0.0.1", port, create_portal(), threaded=False).serve_forever()


if __name__ == "__main__":
    main()
