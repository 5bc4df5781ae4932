"""How a citizen is told of progress: the default a channel stores when the citizen did not
choose, and the medium each notice actually goes by. Pure: the web form, the counter and
Open311 (notify_via left unset) and the notifier all follow these two rules.

A region turns WhatsApp or SMS on by naming its sender number in the routing file; a
notice never goes by a medium the case's region has off, and falls back to the other
phone medium, then e-mail, so a citizen who left any usable way still hears.
"""

from __future__ import annotations

EMAIL, WHATSAPP, SMS = "email", "whatsapp", "sms"


def default_notify_via(
    *, email: bool, phone: bool, region_whatsapp: bool, region_sms: bool
) -> str | None:
    """E-mail when an address was given, else WhatsApp where the region has it, else SMS;
    None when there is no way the region can reach them."""
    if email:
        return EMAIL
    if phone and region_whatsapp:
        return WHATSAPP
    if phone and region_sms:
        return SMS
    return None


def medium_for(
    notify_via: str | None,
    *,
    email: bool,
    phone: bool,
    region_whatsapp: bool,
    region_sms: bool,
) -> str | None:
    """email | whatsapp | sms for one notice, or None (nobody to tell).

    "whatsapp" falls back to SMS, then e-mail; "sms" to WhatsApp, then e-mail; "email" to
    the phone media only if there is no address (a case stored before the address rule);
    None (a case from a channel without the choice) follows the default above.
    """
    phone_order = {WHATSAPP: (WHATSAPP, SMS), SMS: (SMS, WHATSAPP)}
    on = {WHATSAPP: phone and region_whatsapp, SMS: phone and region_sms}
    if notify_via in phone_order:
        for medium in phone_order[notify_via]:
            if on[medium]:
                return medium
        return EMAIL if email else None
    if email:
        return EMAIL
    return default_notify_via(
        email=False, phone=phone, region_whatsapp=region_whatsapp, region_sms=region_sms
    )
