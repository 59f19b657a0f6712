from django.db import migrations


def create_system_link_types(apps, schema_editor):
    from links.system_types import ensure_system_link_types

    ensure_system_link_types(apps.get_model("links", "LinkType"))


def remove_system_link_types(apps, schema_editor):
    LinkType = apps.get_model("links", "LinkType")
    LinkType.objects.filter(organization__isnull=True, links__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("links", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_system_link_types, remove_system_link_types),
    ]
