"""Inbound mail: store every message before acknowledging it (store), queue it (intake),
decide which ticket it belongs to (match), turn it into a reply or a new ticket (process),
and tell refused senders why (notices). Admin listing and re-runs live in admin."""
