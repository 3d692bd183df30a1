"""What every capability stands on: storage, inbox, outbox, timers, i18n, clock, settings."""
