"""The membership number stays unique, through a constraint: a field's unique=True also made a
varchar_pattern_ops index (for LIKE 'x%') that no query uses and every import kept up."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_drop_indexes_covered_by_composites"),
    ]

    operations = [
        # The constraint first, so that the number is never without a unique index.
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                fields=("membership_number",), name="member_number_unique"
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="membership_number",
            field=models.CharField(max_length=30),
        ),
    ]
