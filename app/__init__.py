"""Helpdesk: support tickets over GraphQL with live subscriptions and two-way email."""
