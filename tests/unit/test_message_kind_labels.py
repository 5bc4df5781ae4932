"""Every message the citizen can be sent has a name on the staff case page ("Pesan ke
pelapor"), never its internal key such as `private_link`."""

from portal.complaints.labels import MESSAGE_KIND_LABELS
from portal.messaging.texts import NOTICE_KINDS
from portal.notifications.render import CITIZEN_TEMPLATES


def test_every_e_mail_and_phone_message_to_the_citizen_has_a_label():
    kinds = set(CITIZEN_TEMPLATES) | set(NOTICE_KINDS)
    assert sorted(kinds - set(MESSAGE_KIND_LABELS)) == []
