"""A region's abuse list: phone numbers, e-mail addresses and client addresses whose
reports are refused or quarantined, kept only as keyed hashes, every change audited."""
