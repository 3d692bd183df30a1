"""Pairing mentors with mentees: explicit pairs, suggestions, introductions."""
