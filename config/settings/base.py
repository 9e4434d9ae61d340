"""NovaCart settings (DJANGO_SETTINGS_MODULE=config.settings.base), put together by concern;
every value is read from the environment.

Production-safe by default: with DEBUG unset it is off and SECRET_KEY is required.
`DEBUG=true` (set by `make run` and by `config.settings.test`) runs for development.

- `infrastructure`: Django and the infrastructure (database, cache, email, tasks, storage, security)
- `shop`: NovaCart's own knobs (API tokens and limits, orders, imports, Stripe)
- `unfold`: the admin's look and sidebar
"""

from config.settings.infrastructure import *  # noqa: F403
from config.settings.shop import *  # noqa: F403
from config.settings.unfold import *  # noqa: F403
