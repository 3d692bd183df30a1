"""What everyone can ask: /help and /status."""
