"""E-mail that never gets lost: a transactional outbox, its worker, reminders and escalations."""
