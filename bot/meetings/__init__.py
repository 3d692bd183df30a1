"""Meetings: weekly availability, slots across time zones, proposals, reminders, follow-ups."""
