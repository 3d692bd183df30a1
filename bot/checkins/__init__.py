"""Check-ins: a short form each participant answers on her cohort's cadence and after each
meeting, and the alerts it raises for staff when a pair struggles."""
