"""The one stored form of an email address: what makes two spellings one account.

Every way in (API register, login, password reset, the admin's user forms,
`createsuperuser`, `UserManager.create_user`, seed commands) reduces an address to
`email_canonical(...)` and stores or looks up exactly that string, under a plain unique
constraint, so two spellings of one mailbox can never be two accounts.
"""

import unicodedata

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.errors import DomainError

MAX_LENGTH = 254  # the column's


class InvalidEmail(DomainError, ValueError):
    """A ValueError too, so a schema validator turns it into the framework's 422."""

    code = "invalid_email"
    status = 422


def _fold(text: str) -> str:
    # NFKC: fullwidth letters, the Kelvin sign (U+212A) ... become plain ones; case folded
    # after upper-casing, so that letters one case-insensitive comparison or the other
    # takes for the same (dotless i U+0131 and i, long s U+017F and s) are the same; NFKC again, as
    # case folding may leave a string unnormalised.
    text = unicodedata.normalize("NFKC", text)
    return unicodedata.normalize("NFKC", text.upper().casefold())


def email_canonical(value: str) -> str:
    """`value` as stored: local part folded (ASCII only), domain IDNA-encoded, lower case.

    Raises `InvalidEmail` for anything that is not a plain `local@domain` address,
    quoted local parts included (`"a b"@example.com`).
    """
    local, at, domain = unicodedata.normalize("NFKC", value).strip().rpartition("@")
    if not at or not local or not domain:
        raise InvalidEmail("Enter a valid email address.")
    if '"' in local:
        raise InvalidEmail("Quoted email addresses are not accepted.")
    local = _fold(local)
    if not local.isascii():
        raise InvalidEmail("Enter an email address whose name part is plain ASCII.")
    try:  # UTS 46 maps the domain (case, width) as IDNA resolves it
        domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise InvalidEmail("Enter a valid email address.") from error
    address = f"{local}@{domain}".lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise InvalidEmail("Enter a valid email address.") from error
    if len(address) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    return address


def email_lookup_key(value: str) -> str:
    """The account `value` names, for counting login attempts against it.

    Its stored form; a string that is no valid address (it matches no account) folded all
    the same, so that its spellings share one count.
    """
    try:
        return email_canonical(value)
    except InvalidEmail:
        return _fold(value.strip())
