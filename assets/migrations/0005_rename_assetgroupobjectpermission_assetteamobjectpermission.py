# An object permission given to a team (django.contrib.auth's Group) on one asset: the old name
# read as a grant on an asset group. RenameModel keeps the rows (the table is renamed).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_field_type_choices_from_kinds"),
    ]

    operations = [
        migrations.RenameModel(old_name="AssetGroupObjectPermission", new_name="AssetTeamObjectPermission"),
    ]
