"""Catalog numbers that more than one layer agrees on."""

LOW_STOCK_THRESHOLD = 5
"""A product with 1..LOW_STOCK_THRESHOLD units in stock is "low" (the admin's stock filter)."""

IMAGE_MAX_MEGAPIXELS = 25
"""Product images are refused above this many pixels (width x height, in millions): a
small PNG can hold a huge picture, and every thumbnail decodes all of it (4 bytes/pixel)."""

THUMBNAIL_SIZE = 480
"""Thumbnails fit in a THUMBNAIL_SIZE x THUMBNAIL_SIZE box (longest side, never upscaled):
what product lists load instead of the original, made once when the image is stored."""
