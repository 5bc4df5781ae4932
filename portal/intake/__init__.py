"""How a report comes in: the rules every channel checks, and the one way to store it."""
