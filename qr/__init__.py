"""QR codes for service-point posters: signed payloads, short codes, rendering, CLI."""
