"""Where files live: two storages through Django's storage API, by kind.

*public* (STORAGES["public"]): badge class images, baked assertion images, organisation logos.
*private* (STORAGES["private"]): certificate PDFs, evidence files, uploaded tables.

Local disk by default (MEDIA_ROOT/public and MEDIA_ROOT/private); S3-compatible object storage
when STORAGE_URL is set (see settings). Either way:

- a private file has no URL at all: `url()` raises, every download is a view that checks who asks;
- a public file's URL is a view of this site (`/files/<name>`), which sends the headers that keep
  user-made content from running as the site (learnerpass/lib/files.py), never a raw media path;
- stored names are random (`RandomName`), never derived from names, codes or ids.
"""

import logging
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty

log = logging.getLogger(__name__)

PUBLIC = "public"
PRIVATE = "private"

_EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")


class _StorageProxy(LazyObject):
    """Looks the storage up by alias, again after STORAGES changes (tests change it), like default_storage."""

    def __init__(self, alias: str):
        super().__init__()
        self.__dict__["_alias"] = alias

    def _setup(self):
        self._wrapped = storages[self._alias]


_public = _StorageProxy(PUBLIC)
_private = _StorageProxy(PRIVATE)


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _public._wrapped = empty
        _private._wrapped = empty


def public_storage():
    """The `storage=` callable of public file fields (a callable keeps migrations independent of settings)."""
    return _public


def private_storage():
    return _private


@deconstructible
class RandomName:
    """`upload_to` for every stored file: `<folder>/<random>.<ext>`; nothing of the original name but its type."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.folder, filename)

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


def random_name(folder: str, filename: str = "") -> str:
    ext = os.path.splitext(filename or "")[1].lower()
    if not _EXTENSION.match(ext):
        ext = ""
    return f"{folder}/{secrets.token_urlsafe(18)}{ext}"


class _LocalFiles(FileSystemStorage):
    """A folder under MEDIA_ROOT, read from the settings each time they change (tests point it elsewhere)."""

    subdirectory = ""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, os.path.join(settings.MEDIA_ROOT, self.subdirectory))


class LocalPublicFiles(_LocalFiles):
    subdirectory = PUBLIC

    def url(self, name):
        return public_file_url(name)


class LocalPrivateFiles(_LocalFiles):
    subdirectory = PRIVATE

    def url(self, name):
        raise ValueError("Private files have no URL; a view that checks who asks serves them.")


def public_file_url(name: str) -> str:
    return reverse("public_file", kwargs={"name": name})


try:  # S3-compatible storage is optional: only deployments on several machines need it.
    from storages.backends.s3 import S3Storage
except ImportError:  # pragma: no cover - django-storages is in requirements.txt
    S3Storage = None

if S3Storage is not None:

    class S3PublicFiles(S3Storage):
        # Objects stay private in the bucket: the app serves them with its own headers.
        default_acl = "private"
        file_overwrite = False

        def url(self, name, parameters=None, expire=None, http_method=None):
            return public_file_url(name)

    class S3PrivateFiles(S3Storage):
        default_acl = "private"
        file_overwrite = False

        def url(self, name, parameters=None, expire=None, http_method=None):
            raise ValueError("Private files have no URL; a view that checks who asks serves them.")


def delete_on_commit(alias: str, name: str | None) -> None:
    """Delete a replaced file once the change that replaced it is committed (a rollback keeps it)."""
    if not name:
        return

    def delete():
        try:
            storages[alias].delete(name)
        except Exception:  # a file already gone, or storage briefly unreachable: the row no longer points at it
            log.warning("could not delete %s file %s", alias, name, exc_info=True)

    transaction.on_commit(delete)


def move_legacy_files(model, field_name: str, *, alias: str, folder: str) -> int:
    """Move files stored before the public/private split (MEDIA_ROOT/<old name>) into their storage.

    Used by the data migrations that came with the split. Each file gets a random name in its
    storage; the row is updated and the old file removed. Idempotent: a name already in the
    target storage is skipped, and so is a row whose old file is gone.
    """
    storage = storages[alias]
    legacy_root = Path(settings.MEDIA_ROOT)
    moved = 0
    rows = model.objects.exclude(**{field_name: ""}).exclude(**{f"{field_name}__isnull": True})
    for pk, name in rows.values_list("pk", field_name).iterator():
        old = legacy_root / name
        if storage.exists(name) or not old.is_file():
            continue
        with old.open("rb") as handle:
            new_name = storage.save(random_name(folder, name), File(handle))
        model.objects.filter(pk=pk).update(**{field_name: new_name})
        old.unlink()
        moved += 1
    return moved


def legacy_files_mover(app_label: str, model_name: str, field_name: str, *, alias: str, folder: str):
    """A RunPython step for the migration that moved a field's files into its storage."""

    def forwards(apps, schema_editor):
        moved = move_legacy_files(apps.get_model(app_label, model_name), field_name, alias=alias, folder=folder)
        if moved:
            log.warning("moved %s %s.%s files into the %s storage", moved, model_name, field_name, alias)

    return forwards
