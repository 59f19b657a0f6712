"""Where global search spends its time, on the data search_bench.py builds (run that first, with
the same --assets): each SQL statement one request runs, with EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL, then a cProfile of --requests requests of each query through the test client.

    DATABASE_URL=postgres://... python bench/search_profile.py --assets 1000000 --explain
    DATABASE_URL=postgres://... python bench/search_profile.py --assets 1000000 --profile --top 20
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

from _measure import api_client, captured
from _setup import setup, vendor
from search_bench import QUERIES, build


def explain(client, params) -> None:
    from django.db import connection

    _, sql = captured(lambda: client.get("/api/v1/search", params))
    # captured() keeps the SQL with its parameters filled in, as the database received it.
    for statement in sql:
        print(f"    -- {statement[:160]}{'…' if len(statement) > 160 else ''}")
        if connection.vendor != "postgresql" or not statement.lstrip().upper().startswith(("SELECT", "(SELECT", "WITH")):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
            for (line,) in cursor.fetchall():
                print(f"      {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--count", action="store_true", help="ask for count=true as the search page does")
    args = parser.parse_args()
    setup()
    client = api_client(build(args.assets))
    print(f"{vendor()}, {args.assets} assets")
    for q in QUERIES:
        for kind in (None, "asset"):
            params = {"q": q, "limit": 20, **({"kind": kind} if kind else {}), **({"count": "true"} if args.count else {})}
            print(f"  q={q!r} kind={kind or 'all'}")
            if args.explain:
                explain(client, params)
            if args.profile:
                client.get("/api/v1/search", params)
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    client.get("/api/v1/search", params)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
                print(out.getvalue())


if __name__ == "__main__":
    main()
