"""Drop the single-column indexes of four foreign keys that other indexes already serve.

employee.community_id leads (community, name, id), (community, is_local), (community,
hukou_code), (community, job_status) and the unique (community, id_number); employee.enterprise_id
leads (enterprise, name, id) and (enterprise, workshop); timelineevent.employee_id leads
(employee, -at). employee.hukou_region_id is only joined from the employee (filters use
hukou_code). Every insert paid for them; no query needs them (docs/decisions/0009-roster-import.md).

Only the indexes go, by name: the foreign-key constraints stay exactly as they are. Django's own
AlterField would rebuild the SQLite table and drop and re-validate the constraints on
PostgreSQL for the same result.
"""

from django.db import migrations, models
from django.db.models import deletion

# (table, column, index name as 0001 created it)
INDEXES = [
    ("registry_employee", "community_id", "registry_employee_community_id_d24d86c2"),
    ("registry_employee", "enterprise_id", "registry_employee_enterprise_id_a312ed1f"),
    ("registry_employee", "hukou_region_id", "registry_employee_hukou_region_id_bf8aff39"),
    ("registry_timelineevent", "employee_id", "registry_timelineevent_employee_id_0ae06482"),
]
# PostgreSQL also indexes a varchar foreign key for LIKE.
LIKE = ("registry_employee", "hukou_region_id", "registry_employee_hukou_region_id_bf8aff39_like")


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    names = [name for _table, _column, name in INDEXES]
    if schema_editor.connection.vendor == "postgresql":
        names.append(LIKE[2])
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column, name in INDEXES:
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")
    if schema_editor.connection.vendor == "postgresql":
        table, column, name = LIKE
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_tenancy_users_audit_jobs"),
        ("registry", "0003_employee_list_order_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="employee",
                    name="community",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=deletion.PROTECT,
                        related_name="+",
                        to="core.community",
                    ),
                ),
                migrations.AlterField(
                    model_name="employee",
                    name="enterprise",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=deletion.PROTECT,
                        related_name="employees",
                        to="core.enterprise",
                        verbose_name="enterprise",
                    ),
                ),
                migrations.AlterField(
                    model_name="employee",
                    name="hukou_region",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=deletion.PROTECT,
                        related_name="+",
                        to="registry.region",
                        verbose_name="household-registration region",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="employee",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=deletion.CASCADE,
                        related_name="timeline",
                        to="registry.employee",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
