"""Broadcasts: staff announcements to everyone or a segment, with events and reports."""
