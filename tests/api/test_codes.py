"""GET /v1/codes: find a GB/T 4754-2017 code by words, against the real server."""

from __future__ import annotations

import httpx


def test_find_a_code_by_words_with_its_directory_items(client: httpx.Client) -> None:
    r = client.get("/v1/codes", params={"q": "木质 家具"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "木质 家具"
    [hit] = body["codes"]
    assert hit["code"] == "2110" and hit["name_zh"] == "木质家具制造" and hit["level"] == "class"
    assert hit["items"] == [36]
    assert [p["code"] for p in hit["path"]] == ["C", "21", "2110"]


def test_a_code_prefix_lists_its_children_and_limit_applies(client: httpx.Client) -> None:
    r = client.get("/v1/codes", params={"q": "33", "limit": 3})
    assert r.status_code == 200
    codes = r.json()["codes"]
    assert [c["code"] for c in codes] == ["33", "331", "332"]
    assert 67 in codes[0]["items_below"]


def test_no_match_is_an_empty_list(client: httpx.Client) -> None:
    r = client.get("/v1/codes", params={"q": "宇宙飞船"})
    assert r.status_code == 200
    assert r.json()["codes"] == []


def test_a_missing_or_oversized_query_is_a_problem(client: httpx.Client) -> None:
    for params in ({}, {"q": ""}, {"q": "家具", "limit": 0}, {"q": "x" * 101}):
        r = client.get("/v1/codes", params=params)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
