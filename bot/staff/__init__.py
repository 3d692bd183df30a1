"""Staff roles, invites and the audit log."""
