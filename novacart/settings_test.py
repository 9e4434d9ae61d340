"""Settings of the test run: development mode unless the environment says otherwise.

`novacart.settings` is production-safe by default (DEBUG off, SECRET_KEY required);
the tests run with its development defaults, as `make run` does.
"""

import os

os.environ.setdefault("DEBUG", "true")

from novacart.settings import *  # noqa: F403
