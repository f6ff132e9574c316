# ruff: noqa: RUF012  (the form of a Django migration)
"""Return.values as ``json`` on PostgreSQL (was ``jsonb``); SQLite's table is left as it is.

The state changes to :class:`klappt.store.models.RecordField`; the database only on PostgreSQL,
by one ``ALTER``: on SQLite the column's type and check stay the same, and Django's ``AlterField``
would copy the whole table to a new one for nothing.
"""

from typing import Any

from django.db import migrations

import klappt.store.models


def _to_json(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "klappt_store_return" ALTER COLUMN "values" TYPE json USING "values"::json'
        )


def _to_jsonb(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "klappt_store_return" ALTER COLUMN "values" TYPE jsonb USING "values"::jsonb'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("klappt_store", "0002_coding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="return",
                    name="values",
                    field=klappt.store.models.RecordField(default=dict),
                ),
            ],
            database_operations=[migrations.RunPython(_to_json, _to_jsonb)],
        ),
    ]
