"""Which babel locale reads a partner's numbers and dates: one rule for both.

A partner's ``locale`` (partners file) is a language code. The project's own
languages have their parsing data in babel under the same code; ``en`` is the
project's European English, read as ``en_GB`` (day first, never US month first).
Any other language babel knows (say ``lt``) is read with its own CLDR data, and a
code babel does not know falls back to English rather than failing a sync.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

#: The project's languages: their month names are recognised in every partner's sheet.
PROJECT_LANGUAGES = ("en", "lv", "et", "fi")
#: The babel locale of the project's English, and of any language babel lacks.
ENGLISH = "en_GB"


#: A language as the partners file writes it: an ISO 639 code in lower case.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


@cache
def known_language(code: str) -> bool:
    """Whether ``code`` is a language code babel has data for (``lt`` yes, ``zz``
    and ``lt_LT`` no: a partner's locale is a language, not a region)."""
    if not _LANGUAGE_CODE.fullmatch(code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def babel_locale(locale: str) -> str:
    """The babel locale that parses numbers and dates typed in ``locale``."""
    if locale == "en" or not known_language(locale):
        return ENGLISH
    return locale
