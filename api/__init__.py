"""envscreen over HTTP: a FastAPI adapter over `screening.Screener` with stored records.

>>> from api import Settings, create_app      # doctest: +SKIP
>>> app = create_app(Settings.from_env())    # doctest: +SKIP
"""

from .main import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
