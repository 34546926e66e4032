"""Config for Tortoise's own CLI (``tortoise makemigrations``); the app itself uses app.infra.db."""

from app.config import load_settings
from app.infra.db import tortoise_config

TORTOISE_ORM = tortoise_config(load_settings())
