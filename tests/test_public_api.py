from types import ModuleType

import screening


def test_public_api_is_exactly_all() -> None:
    public = {n for n in dir(screening) if not n.startswith("_")}
    # Submodules show up as attributes once imported; they are internals, not the API.
    modules = {n for n in public if isinstance(getattr(screening, n), ModuleType)}
    assert public - modules == set(screening.__all__)
