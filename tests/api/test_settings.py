"""Settings travel to worker processes through the environment."""

from __future__ import annotations

import dataclasses

from api import Settings
from api.records import make_engine


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.database_url == "sqlite:///envscreen.db"
    assert s.max_body_bytes == 1024 * 1024
    assert s.zones is None


def test_envscreen_database_url_wins_over_database_url() -> None:
    env = {"DATABASE_URL": "postgresql://a/b", "ENVSCREEN_DATABASE_URL": "sqlite:///x.db"}
    assert Settings.from_env(env).database_url == "sqlite:///x.db"
    assert Settings.from_env({"DATABASE_URL": "postgresql://a/b"}).database_url == "postgresql://a/b"


def test_round_trip_through_the_environment() -> None:
    s = Settings(rules_dir="/r", zones="none", database_url="sqlite:///y.db", max_body_bytes=10, request_timeout_s=2.5)
    assert Settings.from_env(s.to_env()) == s
    assert dataclasses.replace(s, batch_limit=3) != s


def test_plain_postgresql_url_means_psycopg3() -> None:
    engine = make_engine("postgresql://user@127.0.0.1:1/db")
    try:
        assert engine.url.drivername == "postgresql+psycopg"
    finally:
        engine.dispose()


def test_workers_racing_to_create_tables_both_succeed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from api.records import Records

    url = f"sqlite:///{tmp_path / 'race.db'}"
    stores = [Records(make_engine(url)) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def create(r: Records) -> None:
        barrier.wait()
        try:
            r.create_tables()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(r,)) for r in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in stores:
        r.dispose()
    assert errors == []
