"""What gunicorn serves (`gunicorn wsgi:app`) and what `flask --app wsgi` runs commands on.

A broken routing file or unsafe production config stops the process here, with the reason
printed as FILE:LINE: message, instead of serving a portal that routes nowhere.
"""

import sys

from portal import create_app
from portal.config import ConfigError
from portal.routing.model import RoutingFileError


def _checking_another_routing_file() -> bool:
    """`flask --app wsgi routing check OTHER.yaml` must work while the active file is broken."""
    args = sys.argv[1:]
    rest = args[args.index("routing") + 1 :] if "routing" in args else []
    return rest[:1] == ["check"] and len(rest) > 1


try:
    app = create_app()
except RoutingFileError as exc:
    if not _checking_another_routing_file():
        print("Aduan Langsung refuses to start: the routing file is invalid.", file=sys.stderr)
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        sys.exit(1)
    app = create_app(load_routing=False)
except ConfigError as exc:
    print(f"Aduan Langsung refuses to start: {exc}", file=sys.stderr)
    sys.exit(1)
