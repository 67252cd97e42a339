"""The global search's columns: organizations' and contacts' names folded for comparison
(engagement.normalize.search_key), filled for the rows that exist, with an index; on
PostgreSQL also a pg_trgm GIN index, so `search_text LIKE '%nang%'` does not read every row."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BATCH = 1000
TRIGRAM_INDEXES = {
    "organization_search_trgm": "engagement_organization",
    "contact_search_trgm": "engagement_contact",
}


def _fill(model, current) -> None:
    # The model's own `searchable` property (the one the services use) reads only the fields
    # the historical model also has, so the fill cannot drift from what the services write.
    changed = []
    for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
        row.search_text = current.searchable.fget(row)
        changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, ["search_text"])
            changed = []
    model.objects.bulk_update(changed, ["search_text"])


def fill_search_text(apps, schema_editor):
    from engagement.models.directory import Contact, Organization

    _fill(apps.get_model("engagement", "Organization"), Organization)
    _fill(apps.get_model("engagement", "Contact"), Contact)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class PostgresTrigramExtension(TrigramExtension):
    """pg_trgm on PostgreSQL; nothing on SQLite, the embedded default."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        # Other columns may use the extension by then: it stays.
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0009_projects_incentives_framework_provenance"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="organization",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["team", "search_text"], name="contact_search_text"),
        ),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["search_text"], name="organization_search_text"),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        PostgresTrigramExtension(),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
