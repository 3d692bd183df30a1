"""Cohorts: groups of participants who start together, joined through a /start deep link,
each with its own check-in cadence, hour, holiday pauses and end date."""
