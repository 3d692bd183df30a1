"""Onboarding: the application questionnaire, its service and views."""
