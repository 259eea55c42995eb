"""A Python client for Galley, the JSON-RPC 2.0 content API for newsrooms.

>>> from galley_client import Client, ops
>>> with Client.from_env() as galley:
...     story = galley.article_get(slug="istanbul-talks")
...     galley.commit("Fix the headline", [
...         ops.update("article", story["id"], set={"headline": "Talks in Istanbul"},
...                    base_version=story["version"]),
...     ])

See README.md beside this package for installation, errors and worked examples.
"""

from . import ops
from .client import Client, Page, new_id
from .errors import (
    AuthError,
    ConflictError,
    GalleyConnectionError,
    GalleyError,
    GalleyTimeoutError,
    GalleyTLSError,
    IntegrityError,
    InvalidParamsError,
    NotFoundError,
    OverloadedError,
    ValidationError,
    error_from_wire,
)

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "Client",
    "ConflictError",
    "GalleyConnectionError",
    "GalleyError",
    "GalleyTimeoutError",
    "GalleyTLSError",
    "IntegrityError",
    "InvalidParamsError",
    "NotFoundError",
    "OverloadedError",
    "Page",
    "ValidationError",
    "error_from_wire",
    "new_id",
    "ops",
]
