"""WhatsApp and SMS in: the webhooks, one conversation per number, filing and replying."""
