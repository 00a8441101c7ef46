"""Passwords in every form libpq and ADBC accept, found and removed.

A database password can be written in a connection URL's userinfo (``postgresql://user:pw@host``,
also without a user: ``postgresql://:pw@host``, with any character), in its query string
(``?password=pw``), in a ``key=value`` connection string (``host=h password=pw``, also quoted and
inside SQL such as ``dblink('host=h password=pw')``), or in the environment (``PGPASSWORD``).
Parameters must hold none of them (:func:`looks_secret`, used by :mod:`seglab.config`); a message
built from a driver's error or a connection string from the environment loses every one of them
(:func:`redact`). This module imports nothing of seglab, so every layer can use it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

#: A URL whose authority holds a password: scheme://[user]:password@host (the password up to the last
#: '@' before the path, so an unencoded '@', ':', quote or space inside it is still found).
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@\s:]*:)(?P<secret>[^/]*)@", re.I)
#: The keys libpq reads a password from, in a query string or a key=value connection string.
_KEYS = r"password|passwd|pwd|sslpassword"
#: ``password=value`` in a query string (``?``/``&``) or a connection string (after a space, a quote,
#: a parenthesis, a comma or ';'), the value bare or quoted.
KEY_PASSWORD = re.compile(
    rf"(?P<head>(?:^|(?<=[\s?&;'\"(,]))(?:{_KEYS})\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;'\")]+)",
    re.I,
)
#: Environment variables whose value is a password for libpq and its kin.
ENVIRONMENT = ("PGPASSWORD", "PGSSLPASSWORD")
MESSAGE = (
    "looks like a connection URL or connection string with a password; never put secrets in parameters: "
    "export the connection URL in an environment variable and give its name in url_env, and keep the "
    "password in a ~/.pgpass file or the PGPASSWORD variable"
)


def looks_secret(text: str) -> bool:
    """Whether ``text`` holds a password in any form :data:`URL_PASSWORD` or :data:`KEY_PASSWORD` know."""
    return bool(URL_PASSWORD.search(text) or KEY_PASSWORD.search(text))


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def values(text: str) -> list[str]:
    """Every password written in ``text``: as written, unquoted and percent-decoded (longest first)."""
    found: set[str] = set()
    for m in URL_PASSWORD.finditer(text):
        found |= {m["secret"], unquote(m["secret"])}
    for m in KEY_PASSWORD.finditer(text):
        raw = m["secret"]
        found |= {raw, _unquoted(raw), unquote(_unquoted(raw))}
    return sorted((v for v in found if v), key=len, reverse=True)


def environment() -> list[str]:
    """The passwords of the environment (:data:`ENVIRONMENT`)."""
    return [v for v in (os.environ.get(name, "") for name in ENVIRONMENT) if v]


def _shares(word: str, secret: str, n: int = 4) -> bool:
    """Whether ``word`` holds a piece of ``secret`` (n characters, or the whole of a shorter one)."""
    if len(secret) < n:
        return secret == word
    return any(secret[i : i + n] in word for i in range(len(secret) - n + 1))


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with every password replaced by '***': those written in it (URL userinfo, query
    string, key=value), the ``secrets`` given (a connection string's passwords, the environment's)
    and every word holding a piece of one (a driver may quote a password cut at an unencoded '@',
    ':' or '%', e.g. libpq's 'invalid percent-encoded token: "p%ss"').
    """
    known = [s for s in (*secrets, *values(text), *environment()) if s]
    for s in sorted(set(known), key=len, reverse=True):
        text = text.replace(s, "***")
    text = URL_PASSWORD.sub(lambda m: f"{m['head']}***@", text)
    text = KEY_PASSWORD.sub(lambda m: f"{m['head']}***", text)
    if known:
        text = re.sub(
            r"[^\s\"'()\[\]{},;]+",
            lambda m: "***" if any(_shares(m.group(0), s) for s in known) else m.group(0),
            text,
        )
    return text
