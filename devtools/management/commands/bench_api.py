"""Benchmark the API's two busiest lists under concurrent load, against a floor.

    python manage.py bench_api [--organizations 100000] [--engagements 1000000]

1. Loads a generated data set into the configured database, once: what is already there is
   kept (`generate_demo`'s generators; same seed, same data).
2. Starts gunicorn on a free local port with the same settings and database (production mode:
   DEBUG=0; the floor views of devtools/urls.py mounted with DEVTOOLS=1 and
   BENCH_FLOOR_VIEWS=1; the throttle raised out of the way).
3. For the engagements list and the organizations list (page_size 50, token auth, each client
   walking pages through `next` with keep-alive connections), for one engagement read (GET) and
   changed (PATCH of its summary; each client takes its own engagements, so no two write one
   row at once), and for the floor views that return the same rows as JSON from `.values()`
   (for the PATCH: one UPDATE of the row, then the row), runs N concurrent clients for D
   seconds.
4. Prints requests/s, p50 and p95 per endpoint and the API's ratio to the floor; its last line
   is one JSON object with every figure.

A benchmark, not a test: it reports, it asserts nothing. The goal is each list within 1.5x of the
floor, a detail GET and a PATCH within 2x, and p95 under 100 ms at 20 concurrent clients, on
PostgreSQL with gunicorn.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from devtools.generate import generate_directory
from devtools.generate_crm import generate_engagements
from engagement.models import Engagement, Organization, OrganizationKind, Team, Thrust, User
from engagement.services.accounts import api_token_create, api_token_revoke

BENCH_USER = "bench.bd"
NEXT_LINK = re.compile(rb'^\{"next":\s*"([^"]+)"')
ENDPOINTS = {
    "engagements": ("/api/v1/engagements/", "/bench-floor/engagements/"),
    "organizations": ("/api/v1/organizations/", "/bench-floor/organizations/"),
    "engagement_get": ("/api/v1/engagements/{id}/", "/bench-floor/engagements/{id}/"),
    "engagement_patch": ("/api/v1/engagements/{id}/", "/bench-floor/engagements/{id}/"),
}
# One record's endpoints: the method, and the engagements the clients take turns on.
ONE_RECORD = {"engagement_get": "GET", "engagement_patch": "PATCH"}
RECORDS = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


class LoadResult:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: dict[int | str, int] = {}
        self.requests = 0
        self.elapsed = 0.0

    def record(self, seconds: float, status: int | str) -> None:
        with self.lock:
            self.requests += 1
            if status == 200:
                self.latencies.append(seconds)
            else:
                self.errors[status] = self.errors.get(status, 0) + 1

    def summary(self) -> dict:
        elapsed = self.elapsed
        lat = sorted(self.latencies)
        return {
            "requests": self.requests,
            "ok": len(lat),
            "errors": {str(k): v for k, v in self.errors.items()},
            "rps": round(len(lat) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(_percentile(lat, 0.50) * 1000, 1) if lat else None,
            "p95_ms": round(_percentile(lat, 0.95) * 1000, 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        }


def _client(host, port, start_path, headers, stop_at, result: LoadResult, pages: int) -> None:
    """One client: keep-alive connection, walks `next` links for `pages` pages, then starts
    over from the first page, until `stop_at`."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    path, walked = start_path, 0
    while time.perf_counter() < stop_at:
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            result.record(time.perf_counter() - began, type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            path, walked = start_path, 0
            continue
        result.record(time.perf_counter() - began, status)
        walked += 1
        # The page's own "next" link comes first in both answers; a regex, not json.loads, so
        # that the load generator spends its CPU time on requests rather than parsing.
        found = NEXT_LINK.search(body, 0, 400) if status == 200 else None
        if found and walked < pages:
            parts = urlsplit(found.group(1).decode())
            path = f"{parts.path}?{parts.query}"
        else:
            path, walked = start_path, 0
    conn.close()


def _record_client(
    host, port, paths: list[str], method: str, headers, stop_at, result: LoadResult
) -> None:
    """One client on single records: keep-alive connection, `method` on each of `paths` in
    turn (a PATCH changes the summary), until `stop_at`."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    sent = 0
    headers = {**headers, "Content-Type": "application/json"} if method == "PATCH" else headers
    while time.perf_counter() < stop_at:
        path = paths[sent % len(paths)]
        body = json.dumps({"summary": f"Benchmark edit {sent}"}) if method == "PATCH" else None
        sent += 1
        began = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            result.record(time.perf_counter() - began, type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        result.record(time.perf_counter() - began, status)
    conn.close()


class Command(BaseCommand):
    help = (
        "Benchmark the engagements and organizations API lists, and one engagement's GET and "
        "PATCH, against a plain-Django floor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=100_000)
        parser.add_argument("--engagements", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument(
            "--duration", type=float, default=30.0, help="Seconds measured per endpoint and side."
        )
        parser.add_argument(
            "--rounds", type=int, default=3, help="API and floor alternate this many times."
        )
        parser.add_argument("--warmup", type=float, default=3.0, help="Seconds before each.")
        parser.add_argument("--page-size", type=int, default=50)
        parser.add_argument(
            "--pages", type=int, default=20, help="Pages a client walks before starting over."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
        parser.add_argument(
            "--only", choices=sorted(ENDPOINTS), action="append", help="Measure only these lists."
        )
        parser.add_argument("--skip-load", action="store_true", help="Use the data as it is.")

    # --- 1. Data -----------------------------------------------------------------------------

    def _load(self, options) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        if not Thrust.objects.exists():
            call_command("load_reference", verbosity=0)
        want_orgs = options["organizations"]
        have_orgs = Organization.objects.count()
        if have_orgs < want_orgs:
            companies = max(10, want_orgs // 4)
            institutions = max(1, want_orgs - companies)
            with tqdm(
                total=companies + institutions, desc="organizations", unit="org", file=self.stderr
            ) as bar:
                generate_directory(
                    companies=companies,
                    institutions=institutions,
                    seed=options["seed"],
                    progress=bar.update,
                )
        want = options["engagements"]
        have = Engagement.objects.count()
        if have < want:
            with tqdm(
                total=want, initial=have, desc="engagements", unit="eng", file=self.stderr
            ) as bar:
                generate_engagements(count=want - have, seed=options["seed"], progress=bar.update)

    @staticmethod
    def _analyze() -> None:
        """Fresh planner statistics, as autovacuum would have them on a live database: bulk
        loads leave none, and without them PostgreSQL picks sequential scans."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _token(self):
        team = (
            Team.objects.filter(company__kind=OrganizationKind.JAPANESE_COMPANY)
            .order_by("pk")
            .first()
        )
        if team is None:
            raise CommandError("No team owns engagements: load data first (without --skip-load).")
        user = User.objects.filter(username=BENCH_USER).first()
        if user is None:
            user = User.objects.create_user(
                BENCH_USER, password=secrets.token_urlsafe(24), role="bd_member", team=team
            )
        issued = api_token_create(user=user, name=f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}")
        return user, issued

    # --- 2. Server -----------------------------------------------------------------------------

    def _start_server(self, options, port: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48) + "-bench",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DEVTOOLS": "1",
            "BENCH_FLOOR_VIEWS": "1",
            "API_THROTTLE_RATE": "100000000/min",
            "API_MAX_PAGE_SIZE": str(max(settings.API_MAX_PAGE_SIZE, options["page_size"])),
            "LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ]
        server = subprocess.Popen(
            command,
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sys.stderr,
            start_new_session=True,
        )
        return server

    def _wait_ready(self, server, port: int, headers: dict) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with status {server.returncode}.")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/thrusts/", headers=headers)
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
                raise CommandError(f"The API answered {status} to the benchmark's token.")
            except OSError:
                time.sleep(0.3)
        raise CommandError("gunicorn did not answer within 60 seconds.")

    @staticmethod
    def _stop_server(server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    # --- 3. Load -------------------------------------------------------------------------------

    def _run(
        self, label, port, path, headers, options, seconds, result: LoadResult, records=None
    ) -> None:
        """`clients` threads for `seconds`, adding to `result` (and to its elapsed time).
        `records` (method, ids): one record's endpoint, `path` with `{id}`; each client takes
        every n-th id, so that no two clients write the same row."""
        if seconds > 0:
            stop_at = time.perf_counter() + seconds
            clients = options["clients"]
            threads = [
                threading.Thread(
                    target=_client,
                    args=("127.0.0.1", port, path, headers, stop_at, result, options["pages"]),
                    daemon=True,
                )
                if records is None
                else threading.Thread(
                    target=_record_client,
                    args=(
                        "127.0.0.1",
                        port,
                        [path.format(id=pk) for pk in records[1][i::clients]],
                        records[0],
                        headers,
                        stop_at,
                        result,
                    ),
                    daemon=True,
                )
                for i in range(clients)
            ]
            began = time.perf_counter()
            for t in threads:
                t.start()
            with tqdm(
                total=round(seconds, 1),
                desc=label,
                unit="s",
                file=self.stderr,
                bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s {postfix}",
            ) as bar:
                while any(t.is_alive() for t in threads):
                    time.sleep(0.2)
                    bar.n = min(seconds, round(time.perf_counter() - began, 1))
                    bar.set_postfix_str(f"{result.requests} requests")
            result.elapsed += time.perf_counter() - began

    def handle(self, *args, **options):
        if not options["skip_load"]:
            self._load(options)
        self._analyze()
        user, issued = self._token()
        headers = {"Authorization": f"Token {issued.key}", "Accept": "application/json"}
        port = _free_port()
        server = self._start_server(options, port)
        figures: dict = {}
        try:
            self._wait_ready(server, port, headers)
            query = f"?page_size={options['page_size']}"
            rounds = options["rounds"]
            ids = list(
                Engagement.objects.filter(team=user.team_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:RECORDS]
            )
            for name in options["only"] or list(ENDPOINTS):
                records = (ONE_RECORD[name], ids) if name in ONE_RECORD else None
                paths = {
                    side: path if records else path + query
                    for side, path in zip(("api", "floor"), ENDPOINTS[name], strict=True)
                }
                results = {"api": LoadResult(), "floor": LoadResult()}
                for side, path in paths.items():
                    self._run(
                        f"{name} {side} warm-up",
                        port,
                        path,
                        headers,
                        options,
                        options["warmup"],
                        LoadResult(),
                        records,
                    )
                # API and floor take turns, so that both see the same machine: other work on it
                # comes and goes, and the ratio is what the benchmark is about.
                for i in range(rounds):
                    for side, path in paths.items():
                        self._run(
                            f"{name} {side} {i + 1}/{rounds}",
                            port,
                            path,
                            headers,
                            options,
                            options["duration"] / rounds,
                            results[side],
                            records,
                        )
                api, floor = results["api"].summary(), results["floor"].summary()
                figures[name] = {
                    "api": api,
                    "floor": floor,
                    "ratio_rps": round(floor["rps"] / api["rps"], 2) if api["rps"] else None,
                    "ratio_p95": round(api["p95_ms"] / floor["p95_ms"], 2)
                    if api["p95_ms"] and floor["p95_ms"]
                    else None,
                }
        finally:
            self._stop_server(server)
            api_token_revoke(token=issued.token)
        self._report(figures, user, options)

    def _report(self, figures: dict, user: User, options) -> None:
        self.stdout.write("")
        header = f"{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>9}"
        self.stdout.write(header)
        for name, f in figures.items():
            for side in ("api", "floor"):
                s = f[side]
                self.stdout.write(
                    f"{name + ' ' + side:<28}{s['rps']:>9}{s['p50_ms']:>9}{s['p95_ms']:>9}"
                    f"{sum(s['errors'].values()):>9}"
                )
            self.stdout.write(
                f"{name + ' API/floor':<28}{'x' + str(f['ratio_rps']):>9}"
                f"{'':>9}{'x' + str(f['ratio_p95']):>9}"
            )
        summary = {
            "database": connection.vendor,
            "organizations": Organization.objects.count(),
            "engagements": Engagement.objects.count(),
            "visible_engagements": Engagement.objects.filter(team=user.team_id).count(),
            "clients": options["clients"],
            "page_size": options["page_size"],
            "duration_s": options["duration"],
            "rounds": options["rounds"],
            "gunicorn": {"workers": options["workers"], "threads": options["threads"]},
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "endpoints": figures,
        }
        self.stdout.write(json.dumps(summary, separators=(",", ":")))
