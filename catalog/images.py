"""Product image files: the thumbnail made from each original."""

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from catalog.constants import THUMBNAIL_SIZE
from catalog.models import ProductImage


def image_thumbnail_make(*, image: ProductImage) -> None:
    """Store a WebP thumbnail of `image`'s stored picture and set `image.thumbnail` (the
    row is not saved: the caller saves it).

    The original is read through its storage (local media or Cloudinary). The picture is
    turned upright by its EXIF orientation and shrunk to fit THUMBNAIL_SIZE, never
    enlarged; transparency is kept. Raises OSError (Pillow's UnidentifiedImageError among
    them) if it cannot be decoded.
    """
    with image.image.open("rb") as original, Image.open(original) as picture:
        upright = ImageOps.exif_transpose(picture)
        upright.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        converted = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        buffer = io.BytesIO()
        converted.save(buffer, format="WEBP", quality=80)
    name = f"{PurePosixPath(image.image.name).stem}.webp"
    image.thumbnail.save(name, ContentFile(buffer.getvalue()), save=False)
