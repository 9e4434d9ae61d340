"""The project's admin templates: each says why it exists, and a fork of an Unfold
template is flagged when Unfold's original changes (its changes must then be merged)."""

import hashlib
from pathlib import Path

import pytest
import unfold
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
UNFOLD_TEMPLATES = Path(unfold.__file__).parent / "templates"

# The Unfold template a file of ours replaces → the sha256 of the original we forked.
FORKS = {
    "unfold/helpers/empty_results.html": (
        "830db82d60f52b85f55ec9c54658e438370fc3067887e4defd80b628d4e68112"
    ),
    "admin/delete_selected_confirmation.html": (
        "d6830d5321d2a57c4b2703c8c69e9b140e0679682d06820b37c4f0c4ae277c3f"
    ),
}


@pytest.mark.parametrize("name", sorted(FORKS))
def test_a_forked_unfold_template_matches_the_original_it_was_forked_from(name: str) -> None:
    original = hashlib.sha256((UNFOLD_TEMPLATES / name).read_bytes()).hexdigest()
    assert original == FORKS[name], (
        f"Unfold changed {name}: merge its changes into templates/{name}, then pin the new hash"
    )


def _admin_templates() -> list[Path]:
    return sorted((TEMPLATES / "admin").rglob("*.html")) + sorted(
        (TEMPLATES / "unfold").rglob("*.html")
    )


def test_every_admin_template_says_why_it_exists() -> None:
    silent = [
        str(path.relative_to(TEMPLATES))
        for path in _admin_templates()
        if "{% comment %}" not in (text := path.read_text()) and "{#" not in text
    ]
    assert silent == []
