"""Inbound email: parsing, noise detection, HTML cleanup and reply trimming."""
