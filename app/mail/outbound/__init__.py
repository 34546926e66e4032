"""Notification mail: who gets what (recipients), what it says (compose, content), how it
leaves (send), and the per-recipient delivery record that makes sending idempotent (records)."""
