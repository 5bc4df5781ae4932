"""WhatsApp and SMS out: the citizen's messages as outbox rows, and their two adapters."""
