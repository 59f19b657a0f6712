"""However an asset file row goes (file removed or replaced, asset deleted through the service,
the admin or a bulk delete), its stored files follow once the transaction commits."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import storage
from .models import AssetFile


@receiver(post_delete, sender=AssetFile, dispatch_uid="asset_files.remove_stored_files")
def remove_stored_files(sender, instance: AssetFile, **kwargs) -> None:
    storage.remove_after_commit(instance.storage_names())
