"""Transactional email: rendered from templates/emails/, sent by a background task.

`email_send_on_commit` is what services call: the task is enqueued only once the
surrounding transaction commits, so a rolled-back change never sends mail. In
development the immediate task backend sends it right away (console backend); in
production the database queue hands it to `manage.py db_worker`.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def email_render(*, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of `templates/emails/<template>*`."""
    context = {"shop_name": "NovaCart", "frontend_url": settings.FRONTEND_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return " ".join(subject.split()), text, html


@task()
def email_send(*, template: str, to: list[str], context: dict[str, Any]) -> None:
    subject, text, html = email_render(template=template, context=context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("Sent %s email to %s", template, ", ".join(to))


def email_send_on_commit(*, template: str, to: list[str], context: dict[str, Any]) -> None:
    """Queue an email for after the current transaction commits (now, outside one)."""
    transaction.on_commit(
        lambda: email_send.enqueue(template=template, to=to, context=context), robust=True
    )
