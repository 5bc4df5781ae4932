"""Rate limits on the public side (Flask-Limiter): report form, look-ups, conversation, sign-in.

settings.py: the limits and their defaults (pure); keys.py: what a count is kept for;
extension.py: Flask-Limiter on the routes and the 429 page; reports.py: the report form's
check, which the view asks so a refused citizen keeps their typed report.
"""
