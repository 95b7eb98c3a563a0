"""On PostgreSQL, a varchar_pattern_ops index makes ``path LIKE 'prefix%'`` an index range scan
whatever the database collation; SQLite's unique index on path already serves prefix queries."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS area_path_prefix_idx ON areas_area (path varchar_pattern_ops)"
DROP = "DROP INDEX IF EXISTS area_path_prefix_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
