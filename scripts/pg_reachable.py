"""Exit 0 when the PostgreSQL server of the given URL answers, 1 otherwise (used by `make test`)."""

from __future__ import annotations

import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    cfg = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=cfg.get("HOST") or None,
            port=cfg.get("PORT") or None,
            user=cfg.get("USER") or None,
            password=cfg.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ):
            return 0
    except psycopg.Error as exc:
        print(f"  ({str(exc).strip().splitlines()[0]})")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
