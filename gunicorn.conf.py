"""gunicorn settings read by `gunicorn wsgi:app` (gunicorn loads ./gunicorn.conf.py itself).

Only what the portal needs from every deployment: access-log lines with private-link
tokens redacted. Workers, binding and log files stay on the command line.
"""

logger_class = "portal.gunicorn_logging.RedactingLogger"
