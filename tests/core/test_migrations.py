"""The committed migrations describe exactly the models: a model change needs its migration."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from app.infra.db import tortoise_config


async def test_models_and_migrations_do_not_drift(database, settings):
    config = tortoise_config(settings)
    detector = MigrationAutodetector(Tortoise.apps, config["apps"])
    pending = await detector.changes()
    described = [f"{w.app_label}: {[type(op).__name__ for op in w.operations]}" for w in pending]
    assert not pending, (
        "models differ from app/models/migrations; run "
        "`HELPDESK_VAR=$(mktemp -d) .venv/bin/tortoise makemigrations -n <what_changed>`: "
        f"{described}"
    )
