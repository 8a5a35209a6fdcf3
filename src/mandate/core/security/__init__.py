"""Security hardening: two-factor authentication, login throttling and their pages."""
