"""Secrets out of text that is shown or logged: the password in a database or server URL."""

from __future__ import annotations

import re

MASK = "****"

# scheme://user:PASSWORD@host — greedy to the last '@', so an unencoded '@' in the
# password still masks all of it (masking too much is harmless, too little is a leak).
_USERINFO_PASSWORD = re.compile(r"(?i)^([a-z][a-z0-9+.\-]*://[^:/@?#\s]*:)(.*)@")
# ?password=... in a URL query, or password=... in a libpq keyword string.
_PASSWORD_PARAM = re.compile(r"(?i)(password=)[^&\s]*")


def mask_password(url: str) -> str:
    """`url` with any embedded password replaced by ****; everything else unchanged."""
    masked = _USERINFO_PASSWORD.sub(rf"\g<1>{MASK}@", url, count=1)
    return _PASSWORD_PARAM.sub(rf"\g<1>{MASK}", masked)
