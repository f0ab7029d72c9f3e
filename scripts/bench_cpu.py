"""What one request to a page costs in CPU, one request at a time: a steadier figure than wrk's
on a shared machine (issue 9).

Serves the portal in the production configuration in this process (Flask's test client, no
HTTP server) against the bench database scripts/bench built, signs in as the page's demo
account, and asks each page --rounds rounds of --requests requests in a row after a few
warm-up requests. For each page it prints: the CPU this process spent per request
(time.process_time), the CPU the database's PostgreSQL backends spent per request (from /proc,
so PostgreSQL must run on this machine), each the least of the rounds, the SQL statements and
the size of the response. Other work on the machine moves these figures far less than
wall-clock times (it only ever adds to a round), but it still moves them by 10-30%: compare
with a reference page (admin home) measured in the same run.

    .venv/bin/python scripts/bench_cpu.py                        # every page of scripts/bench
    .venv/bin/python scripts/bench_cpu.py --pages outbox audit "admin home"
    .venv/bin/python scripts/bench_cpu.py --profile "returns to review"   # cProfile one page
    .venv/bin/python scripts/bench_cpu.py --explain "email outbox"  # EXPLAIN ANALYZE its SQL
"""

import argparse
import cProfile
import os
import pstats
import re
import secrets
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ID_QUERIES, PAGES, PASSWORD, ROLE_LOGINS, _chosen

TICKS = os.sysconf("SC_CLK_TCK")


def main() -> int:
    args = _arguments()
    database_url = f"{args.server.rstrip('/')}/{args.database}"
    # Its own connections are named, so only their backends' CPU is counted, whatever else
    # uses the database at the same time.
    application_name = f"bench_cpu_{os.getpid()}"
    os.environ.update(
        {
            "DPS_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"{database_url}?application_name={application_name}",
            "DPS_DOCUMENT_STORE": f"/tmp/dps-bench-documents-{args.database}",  # noqa: S108
            "DPS_SCHEDULER": "off",
            "DPS_COUNT_SQL_STATEMENTS": "true",
        }
    )
    from dps_portal import create_app

    app = create_app()
    with psycopg.connect(database_url) as connection:
        ids = {key: connection.execute(sql).fetchone()[0] for key, sql in ID_QUERIES.items()}
    pages = [page for page in PAGES if not args.pages or _chosen(page, args.pages)]
    if args.profile or args.explain:
        pages = [p for p in PAGES if p.name == (args.profile or args.explain)]
    clients = {}
    print("| role | page | app CPU ms | PostgreSQL CPU ms | total ms | statements | KB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for page in pages:
        if page.role not in clients:
            clients[page.role] = _signed_in(app, ROLE_LOGINS[page.role])
        client = clients[page.role]
        path = page.path.format(**ids)
        for _ in range(args.warm_up):
            response = client.get(path)
        if args.explain:
            _explain(app, client, path, args.explain)
            continue
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(args.sort)
            stats.print_stats(args.lines)
            continue
        # The least of several rounds: other work on the machine only ever adds to a round.
        cpu, backend = float("inf"), float("inf")
        for _ in range(args.rounds):
            backend_before = _backend_ticks(database_url, application_name)
            cpu_before = time.process_time()
            for _ in range(args.requests):
                response = client.get(path)
            cpu = min(cpu, (time.process_time() - cpu_before) * 1000 / args.requests)
            ticks = _backend_ticks(database_url, application_name) - backend_before
            backend = min(backend, ticks * 1000 / (TICKS * args.requests))
        if response.status_code != 200:
            print(f"{page.name}: status {response.status_code}", file=sys.stderr)
        print(
            f"| {page.role} | {page.name} | {cpu:.1f} | {backend:.1f} | {cpu + backend:.1f} | "
            f"{response.headers.get('X-SQL-Statements')} | {len(response.data) / 1024:.0f} |",
            flush=True,
        )
    return 0


def _explain(app, client, path: str, name: str) -> None:
    """EXPLAIN ANALYZE every statement one request to the page sends, slowest first."""
    from sqlalchemy import event

    from dps_portal.extensions import db

    sent = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    client.get(path)
    event.remove(engine, "before_cursor_execute", record)
    plans = []
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor = raw.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            took = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
            plans.append((took, statement, plan))
        connection.rollback()
    print(f"== {name}: {len(sent)} statements, {sum(p[0] for p in plans):.1f} ms executing")
    for took, statement, plan in sorted(plans, key=lambda p: p[0], reverse=True):
        print(f"-- {took:.2f} ms\n{statement}\n{plan}\n")


def _signed_in(app, email: str | None):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    if email is None:
        return client
    page = client.get("/account/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/account/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    if response.status_code != 302:
        sys.exit(f"could not sign in as {email}: {response.status_code}")
    return client


def _backend_ticks(database_url: str, application_name: str) -> int:
    """User and system CPU ticks of the PostgreSQL backends serving the portal in this process
    (its connections carry `application_name`), read through a separate connection."""
    with psycopg.connect(database_url) as connection:
        pids = [
            pid
            for (pid,) in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                (application_name,),
            )
        ]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="pages whose name or path holds one of these")
    parser.add_argument("--requests", type=int, default=20, help="requests in a round")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds a page: each figure is the least round's"
    )
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="dps_bench")
    parser.add_argument("--profile", help="cProfile this page (its exact name) instead")
    parser.add_argument("--explain", help="EXPLAIN ANALYZE this page's statements (exact name)")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=60)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
