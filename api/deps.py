"""Dependencies, named once as `Annotated` aliases so handlers read like prose.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool,
which cost three thread hops per request for what is an attribute lookup (measured)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .catalog import Catalog
from .service import Service
from .settings import Settings


async def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
