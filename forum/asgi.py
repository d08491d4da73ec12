"""The ASGI entry point for servers: `uvicorn --factory forum.asgi:create_from_env`."""

from __future__ import annotations

from starlette.applications import Starlette

from forum.app import create_app
from forum.logs import configure_logging
from forum.settings import load_settings


def create_from_env() -> Starlette:
    configure_logging()
    return create_app(load_settings())
