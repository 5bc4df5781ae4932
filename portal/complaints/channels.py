"""The doors a complaint can come through, stored on it as `Complaint.channel`."""

WEB = "web"  # the citizen's own form (poster QR, short code, picker)
COUNTER = "counter"  # a clerk filing at the counter for the citizen
API = "api"  # another system, through Open311
WHATSAPP = "whatsapp"
SMS = "sms"
CHANNELS: tuple[str, ...] = (WEB, COUNTER, API, WHATSAPP, SMS)
