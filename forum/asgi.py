"""The ASGI entry point for servers: `uvicorn --factory forum.asgi:create_from_env`."""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from forum.app import create_app
from forum.logs import configure_logging
from forum.settings import load_settings


def create_from_env() -> Starlette:
    configure_logging()
    app = create_app(load_settings())
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Fewer, cheaper cyclic collections for a long-running server.

    A fan-out to thousands of viewers keeps thousands of short-lived objects
    (queued frames, futures, ASGI messages) alive across young collections;
    they are promoted and soon trigger full collections that walk every
    object of every connection, stalling the loop for up to a second at
    10,000 viewers (bench/README.md). Everything made at start-up is frozen
    out of the collector's view, and the young generation is allowed to grow
    much larger before it is collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
