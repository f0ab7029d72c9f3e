"""The driver of scripts/bench: build the county, serve it, load each page with wrk, report.

Every page is loaded at 16 connections for --duration seconds, after a run of the "hello" app
for --hello-duration seconds: each page's rps is compared with the hello rps measured just
before it. One more request to each page reads how many SQL statements it sent (the portal's
X-SQL-Statements header, on for the benchmark only). Results go to bench-results.json.
"""

# A benchmark script: it runs our own tools (flask, gunicorn, wrk) and counts tables it listed.
# ruff: noqa: S603, S607, S608

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PASSWORD = "care-demo-password"
SUMMARY_PATH = "/documents/framework-summary.pdf"


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    path: str  # may hold {ids}: filled from the database


ROLE_LOGINS = {
    "officer": "officer@council.example",
    "monitor": "monitor@council.example",
    "admin": "admin@council.example",
    "provider": "helen@peakland.example",
    "public": None,
}

PAGES = [
    Page("public", "sign-in page", "/account/sign-in"),
    # Contracts officer.
    Page("officer", "officer home", "/officer"),
    Page("officer", "applications queue", "/review/applications"),
    Page("officer", "an application under review", "/review/applications/{application}"),
    Page("officer", "eligibility overview", "/eligibility"),
    Page("officer", "providers list", "/providers"),
    Page("officer", "a provider", "/providers/{provider}"),
    Page("officer", "suspensions", "/suspensions"),
    Page("officer", "terms", "/terms"),
    Page("officer", "CQC imports", "/cqc/imports"),
    Page("officer", "CQC reviews", "/cqc/reviews"),
    Page("officer", "framework summary PDF", SUMMARY_PATH),
    Page("officer", "register of the DPS", "/register"),
    Page("officer", "mini-tenders", "/tenders"),
    Page("officer", "an awarded tender", "/tenders/{tender}"),
    Page("officer", "direct awards", "/direct-awards"),
    Page("officer", "a direct award", "/direct-awards/{direct_award}"),
    Page("officer", "fairness register", "/direct-awards/register"),
    Page("officer", "placements register", "/placements/register"),
    Page("officer", "vacancies board", "/vacancies"),
    Page("officer", "rates and uplifts", "/rates"),
    # Quality monitor.
    Page("monitor", "monitor home", "/quality"),
    Page("monitor", "visits list", "/visits"),
    Page("monitor", "visits due", "/visits/due"),
    Page("monitor", "a finalised visit", "/visits/{visit}"),
    Page("monitor", "returns to review", "/returns/review"),
    Page("monitor", "actions", "/quality/actions"),
    Page("monitor", "notifications", "/notifications"),
    # Administrator.
    Page("admin", "admin home", "/admin"),
    Page("admin", "audit trail", "/admin/audit"),
    Page("admin", "email outbox", "/admin/outbox"),
    Page("admin", "jobs", "/admin/jobs"),
    Page("admin", "users", "/admin/users"),
    Page("admin", "framework settings", "/admin/framework"),
    # A provider (Peakland, grown into a group with a county's worth of homes).
    Page("provider", "provider home", "/provider"),
    Page("provider", "own homes", "/homes"),
    Page("provider", "own applications", "/applications"),
    Page("provider", "organisation", "/organisation"),
    Page("provider", "own evidence", "/organisation/evidence"),
    Page("provider", "own visits", "/quality/visits"),
    Page("provider", "own returns", "/returns"),
    Page("provider", "own documents", "/documents"),
    Page("provider", "contract (terms)", "/contract"),
    Page("provider", "opportunities", "/opportunities"),
    Page("provider", "own placements", "/placements"),
    Page("provider", "direct-award offers", "/offers"),
]

ID_QUERIES = {
    "application": "SELECT max(id) FROM application WHERE state = 'submitted'",
    "provider": "SELECT max(provider_id) FROM admission",
    "visit": "SELECT max(id) FROM quality_visit WHERE state = 'finalised'",
    # The demo's: the county's tenders and awards fill the lists, the demo's carry their
    # evaluations, scores and documents.
    "tender": "SELECT min(id) FROM tender WHERE state = 'awarded'",
    "direct_award": "SELECT min(id) FROM direct_award WHERE state = 'placed'",
}


def main() -> int:
    args = _arguments()
    results_path = ROOT / args.output
    server = args.server.rstrip("/")
    database_url = f"{server}/{args.database}"
    # The database's documents live beside it, so a reused database keeps its stored files
    # (the framework summary the job kept, the county's PDFs).
    documents = Path(tempfile.gettempdir()) / f"dps-bench-documents-{args.database}"
    env = {
        **os.environ,
        "DPS_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "DPS_DOCUMENT_STORE": str(documents),
        "DPS_SCHEDULER": "off",
        "DPS_COUNT_SQL_STATEMENTS": "true",
        "FLASK_APP": "dps_portal",
    }
    dataset: dict = {"scale": args.scale}
    if args.reuse_database:
        print(f"== reusing database {args.database}")
        dataset["scale"] = None
    else:
        _fresh_database(server, args.database)
        shutil.rmtree(documents, ignore_errors=True)
        _flask(env, "db", "upgrade")
        started = time.monotonic()
        _flask(env, "seed-demo")
        dataset["demo_seconds"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        _flask(env, "seed-county", "--scale", str(args.scale))
        dataset["county_seconds"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        _vacuum(database_url)
        dataset["vacuum_seconds"] = round(time.monotonic() - started, 1)
    documents.mkdir(exist_ok=True)
    pages = [page for page in PAGES if not args.pages or _chosen(page, args.pages)]
    if any(page.path == SUMMARY_PATH for page in pages):
        # In service the scheduled job keeps the summary and the download serves it: run the
        # job as the scheduler would (it draws only when the data changed since its last copy).
        started = time.monotonic()
        _flask(env, "run-job", "produce_framework_summary")
        dataset["framework_summary_seconds"] = round(time.monotonic() - started, 1)
    with psycopg.connect(database_url) as connection:
        dataset["rows"] = _row_counts(connection)
        ids = {key: connection.execute(sql).fetchone()[0] for key, sql in ID_QUERIES.items()}
        postgres_version = connection.execute("SHOW server_version").fetchone()[0]
    machine = _machine(postgres_version)

    portal = _serve(
        ["dps_portal.wsgi:app"], args.port, args.workers, env, "/healthz", args.worker_timeout
    )
    hello = _serve(
        ["--chdir", str(ROOT / "scripts"), "bench_hello:app"],
        args.hello_port,
        args.workers,
        env,
        "/",
        args.worker_timeout,
    )
    results = []
    try:
        for page in pages:
            path = page.path.format(**ids)
            print(f"== {page.role}: {page.name} ({path})", flush=True)
            hello_url = f"http://127.0.0.1:{args.hello_port}/"
            hello_run = _wrk(hello_url, None, args.hello_duration, args)
            cookie = _sign_in(args.port, ROLE_LOGINS[page.role])
            alone = _one_request(args.port, path, cookie)
            run = _wrk(f"http://127.0.0.1:{args.port}{path}", cookie, args.duration, args)
            _one_request(args.port, "/healthz", None)  # waits for the requests still queued
            results.append(_result(page, path, run, hello_run, *alone))
            _print_row(results[-1])
    finally:
        for process in (portal, hello):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
            "hello_duration_s": args.hello_duration,
            "gunicorn_workers": args.workers,
            "gunicorn_worker_class": "sync",
            "gunicorn_timeout_s": args.worker_timeout,
            "wrk_timeout_s": args.request_timeout,
            "config": "production",
        },
        "machine": machine,
        "dataset": dataset,
        "pages": results,
    }
    results_path.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown_table(results))
    print(f"\nWrote {results_path}")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="county size (1.0: issue 9's)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument(
        "--hello-duration", type=int, default=5, help="seconds of wrk on hello before each page"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--worker-timeout", type=int, default=30, help="gunicorn --timeout")
    parser.add_argument(
        "--request-timeout", type=int, default=60, help="wrk: a slower response is an error"
    )
    parser.add_argument("--port", type=int, default=8650)
    parser.add_argument("--hello-port", type=int, default=8651)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="dps_bench")
    parser.add_argument(
        "--reuse-database", action="store_true", help="skip the build: bench --database as it is"
    )
    parser.add_argument(
        "--pages", nargs="*", help="only pages whose name or path contains one of these"
    )
    parser.add_argument("--output", default="bench-results.json")
    return parser.parse_args()


def _chosen(page: Page, wanted: list[str]) -> bool:
    return any(word in page.name or word in page.path for word in wanted)


def _fresh_database(server: str, name: str) -> None:
    print(f"== fresh database {name}", flush=True)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _vacuum(database_url: str) -> None:
    """VACUUM ANALYZE the fresh county, as autovacuum would have done in service: the
    visibility map lets PostgreSQL answer counts and rankings by index-only scans, which it
    does not on tables only just written by COPY."""
    print("== vacuum analyze", flush=True)
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def _flask(env: dict, *arguments: str) -> None:
    print(f"== flask {' '.join(arguments)}", flush=True)
    subprocess.run([str(VENV / "flask"), *arguments], cwd=ROOT, env=env, check=True)


def _row_counts(connection) -> dict[str, int]:
    tables = connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for (table,) in tables
    }


def _machine(postgres_version: str) -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "cpu_model": model,
        "postgresql": postgres_version,
        "python": platform.python_version(),
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("\n")[0].strip(),
        "note": "wrk, gunicorn and PostgreSQL share the machine (loopback)",
    }


def _serve(app: list[str], port: int, workers: int, env: dict, probe: str, timeout: int):
    command = [
        str(VENV / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(timeout),
        "--log-level",
        "warning",
        *app,
    ]
    log = Path(tempfile.gettempdir()) / f"dps-bench-gunicorn-{port}.log"
    print(f"== gunicorn on port {port} (log: {log})", flush=True)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", probe)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit(f"gunicorn on port {port} stopped: {process.returncode}")
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit(f"gunicorn on port {port} did not answer {probe}")


def _request(port: int, method: str, path: str, cookie: str | None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response, data


def _session_cookie(response) -> str | None:
    """The session cookie, taken by hand: production marks it Secure, and this is plain
    HTTP on loopback, where a cookie jar would not send it back."""
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def _sign_in(port: int, email: str | None) -> str | None:
    if email is None:
        return None
    response, data = _request(port, "GET", "/account/sign-in", None)
    cookie = _session_cookie(response)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', data) or re.search(
        rb'name="csrf_token"[^>]*value="([^"]+)"', data
    )
    if token is None or cookie is None:
        sys.exit("the sign-in page has no CSRF token or session cookie")
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD})
    response, _ = _request(port, "POST", "/account/sign-in", cookie, form)
    signed_in = _session_cookie(response)
    if response.status != 302 or signed_in is None:
        sys.exit(f"could not sign in as {email}: {response.status}")
    return signed_in


def _wrk(url: str, cookie: str | None, duration: int, args) -> dict:
    command = [
        "wrk",
        "--threads",
        str(args.threads),
        "--connections",
        str(args.connections),
        "--duration",
        f"{duration}s",
        "--timeout",
        f"{args.request_timeout}s",
        "--script",
        str(ROOT / "scripts" / "bench_report.lua"),
    ]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    return json.loads(line.removeprefix("BENCH_JSON "))


def _one_request(port: int, path: str, cookie: str | None) -> tuple:
    """Status, SQL statements, size and time of one response on its own (it also warms a
    worker). A worker killed at gunicorn's timeout closes the connection: the status says so."""
    started = time.monotonic()
    try:
        response, data = _request(port, "GET", path, cookie)
    except (OSError, http.client.HTTPException) as problem:
        return f"no response ({type(problem).__name__})", None, 0, None
    alone_ms = round((time.monotonic() - started) * 1000, 1)
    statements = response.getheader("X-SQL-Statements")
    return response.status, int(statements) if statements else None, len(data), alone_ms


def _result(page, path, run, hello_run, status, statements, size, alone_ms) -> dict:
    seconds = run["duration_us"] / 1e6
    rps = run["requests"] / seconds if seconds else 0.0
    hello_rps = hello_run["requests"] / (hello_run["duration_us"] / 1e6)
    socket_errors = sum(run[key] for key in ("connect", "read", "write", "timeout"))
    return {
        "role": page.role,
        "page": page.name,
        "path": path,
        "status": status,
        "alone_ms": alone_ms,
        "p50_ms": round(run["p50_us"] / 1000, 1),
        "p95_ms": round(run["p95_us"] / 1000, 1),
        "p99_ms": round(run["p99_us"] / 1000, 1),
        "max_ms": round(run["max_us"] / 1000, 1),
        "requests": run["requests"],
        "rps": round(rps, 2),
        "hello_rps": round(hello_rps, 1),
        "ratio_to_hello_pct": round(100 * rps / hello_rps, 2) if hello_rps else None,
        "errors": {"non_2xx": run["non2xx"], "socket": socket_errors, **_socket_detail(run)},
        "sql_statements": statements,
        "response_bytes": size,
    }


def _socket_detail(run: dict) -> dict:
    return {key: run[key] for key in ("connect", "read", "write", "timeout") if run[key]}


def _print_row(result: dict) -> None:
    errors = result["errors"]
    print(
        f"   alone {result['alone_ms']} ms; p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, {result['rps']} rps "
        f"({result['ratio_to_hello_pct']}% of hello's {result['hello_rps']}), "
        f"errors {errors['non_2xx']} non-2xx / {errors['socket']} socket, "
        f"{result['sql_statements']} statements, {result['response_bytes']:,} bytes, "
        f"status {result['status']}",
        flush=True,
    )


def markdown_table(results: list[dict]) -> str:
    """The table docs/performance.md shows. A page none of whose requests finished within
    the run has no latencies: "none done"."""
    lines = [
        "| role | page | status | alone ms | p50 ms | p95 ms | rps | % of hello | errors "
        "| SQL statements | KB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        errors = r["errors"]["non_2xx"] + r["errors"]["socket"]
        done = r["requests"] > 0
        p50 = f"{r['p50_ms']:,}" if done else "none done"
        p95 = f"{r['p95_ms']:,}" if done else "none done"
        alone = r.get("alone_ms")
        lines.append(
            f"| {r['role']} | {r['page']} | {r['status']} | "
            f"{'' if alone is None else f'{alone:,}'} | {p50} | {p95} | {r['rps']:,} | "
            f"{r['ratio_to_hello_pct']} | {errors} | {r['sql_statements']} | "
            f"{r['response_bytes'] / 1024:,.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
