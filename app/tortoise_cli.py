"""Config for Tortoise's own CLI (``tortoise makemigrations``); the app itself uses app.db."""

from app.db import tortoise_config

TORTOISE_ORM = tortoise_config()
