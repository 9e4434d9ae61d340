"""Make the thumbnails that product images stored before thumbnails existed lack."""

from typing import Any

from django.core.management.base import BaseCommand

from catalog.images import image_thumbnail_make
from catalog.models import ProductImage


class Command(BaseCommand):
    help = "Make a thumbnail for every product image without one (run it again: a no-op)."

    def handle(self, *args: Any, **options: Any) -> None:
        made = 0
        for image in ProductImage.objects.filter(thumbnail="").iterator():
            try:
                image_thumbnail_make(image=image)
            except OSError as unreadable:  # one broken picture does not stop the others
                self.stderr.write(f"Image {image.pk} ({image.image.name}): {unreadable}")
                continue
            image.save(update_fields=["thumbnail"])
            made += 1
        self.stdout.write(f"{made} thumbnail{'' if made == 1 else 's'} made.")
