"""Where product images are stored: local media by default, Cloudinary when configured."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter with CLOUDINARY_URL set; any network use fails loudly.
PROBE = textwrap.dedent(
    """
    import socket

    def no_network(*args, **kwargs):
        raise OSError("network access in a test")

    socket.socket.connect = no_network
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import storages
    from django.core.management import get_commands
    from catalog.models import ProductImage

    apps = settings.INSTALLED_APPS
    storage = type(storages["default"])
    print(f"{storage.__module__}.{storage.__name__}")
    print(apps.index("cloudinary_storage") > apps.index("django.contrib.staticfiles"))
    print("cloudinary" in apps)
    print(get_commands()["collectstatic"])
    print(ProductImage(image="products/2026/11/blue-mug.png").image.url)
    """
)


def test_local_media_storage_without_cloudinary() -> None:
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "cloudinary_storage" not in settings.INSTALLED_APPS


def test_cloudinary_storage_when_cloudinary_url_is_set() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "true",  # the development key: the settings require one otherwise
        "CLOUDINARY_URL": "cloudinary://123456789:not-a-secret@democloud",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    backend, after_staticfiles, has_cloudinary, collectstatic, url = result.stdout.split("\n")[:5]
    assert backend == "cloudinary_storage.storage.MediaCloudinaryStorage"
    assert after_staticfiles == "True"
    assert has_cloudinary == "True"
    assert collectstatic == "django.contrib.staticfiles"
    assert url.startswith("https://res.cloudinary.com/democloud/image/upload/")
    assert url.endswith("/media/products/2026/11/blue-mug.png")
