"""Settings of the test run: development mode unless the environment says otherwise.

`config.settings.base` is production-safe by default (DEBUG off, SECRET_KEY required);
the tests run with its development defaults, as `make run` does.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "true")
# This process's own password-hashing slots (each pytest-xdist worker has its own): a test
# that takes them all must not slow the logins of another test process on the machine
# (servers a test starts inherit them).
os.environ["PASSWORD_HASHING_LOCK_DIR"] = tempfile.mkdtemp(prefix="novacart-hashing-")
# Tests that race logins or registrations test those races, not the hashing bound (which
# its own tests set): one slot would answer 503 to whichever thread came second.
os.environ.setdefault("PASSWORD_HASHING_CONCURRENCY", "8")

from config.settings.base import *  # noqa: F403
