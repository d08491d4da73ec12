"""Where templates, static files and migrations live.

In a wheel they are shipped inside the package (see pyproject); in a source
checkout (editable install, tests) they sit at the repository root.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


TEMPLATES_DIR = _locate("templates")
STATIC_DIR = _locate("static")
ALEMBIC_DIR = _locate("alembic")
