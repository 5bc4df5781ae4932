"""The doors a complaint can come through, stored on it as `Complaint.channel`."""

WEB = "web"  # the citizen's own form (poster QR, short code, picker)
COUNTER = "counter"  # a clerk filing at the counter for a walk-in citizen
PHONE = "phone"  # a clerk filing for a citizen who rang the office
API = "api"  # another system, through Open311
WHATSAPP = "whatsapp"
SMS = "sms"
CHANNELS: tuple[str, ...] = (WEB, COUNTER, PHONE, API, WHATSAPP, SMS)
