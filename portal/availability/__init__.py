"""Serving through a database outage: the 503 page, and the probes a load balancer asks.

A web host must boot and answer while the database is away and recover by itself when it
is back (issue 13): the app factory never connects (routing loads on first use), a page
that needs the database answers 503 "sedang gangguan" with `Retry-After` and gives the
citizen their typed report back, and `/healthz` and `/readyz` tell the truth.
"""
