"""What gunicorn serves (`gunicorn wsgi:app`) and what `flask --app wsgi` runs commands on.

A broken routing file or unsafe production config stops the process here, with the reason
printed as FILE:LINE: message, instead of serving a portal that routes nowhere.
"""

import sys

from portal import create_app
from portal.config import ConfigError
from portal.routing.model import RoutingFileError

try:
    app = create_app()
except RoutingFileError as exc:
    print("Aduan Langsung refuses to start: the routing file is invalid.", file=sys.stderr)
    for issue in exc.issues:
        print(issue, file=sys.stderr)
    sys.exit(1)
except ConfigError as exc:
    print(f"Aduan Langsung refuses to start: {exc}", file=sys.stderr)
    sys.exit(1)
