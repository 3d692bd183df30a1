"""Program figures for staff: /stats and /export."""
