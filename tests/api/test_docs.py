"""GET /docs serves Swagger UI from the app's own files; the browser check is in test_web.py."""

from __future__ import annotations

import re

import httpx


def test_docs_page_names_only_local_assets(client: httpx.Client) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: *['"]([^'"]+)['"]""", r.text)
    urls = [a or b for a, b in urls]
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in urls and "/openapi.json" in urls
    assert not [u for u in urls if "//" in u], urls  # no CDN, no other host
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
    assert '"validatorUrl": null' in r.text  # else the spec goes to validator.swagger.io off localhost
    js = client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"] and len(js.content) > 500_000


def test_redoc_is_not_offered(client: httpx.Client) -> None:
    """ReDoc loads its script and fonts from CDNs: it would be a blank page offline."""
    assert client.get("/redoc").status_code == 404
