"""Time the main pages on the demo data, server side, as a BD member (in English and in Japanese)
and as a program manager.

    python manage.py bench_pages [--rounds 5]

1. Brings the configured database to the demo state if it is not there yet (migrate,
   createcachetable, load_reference, load_demo, recompute_matches): use a scratch DATA_DIR.
2. For each page: one warm-up request, then `--rounds` timed requests through Django's test
   client (the whole middleware stack and template rendering, no network), and one more with
   the queries counted.
3. Prints the median and the slowest round in milliseconds, the page's size in KB and its
   number of queries; the last line is one JSON object with every figure.

A benchmark, not a test: it reports, it asserts nothing. The goal is every page under 300 ms
(median) and the review queue under 60 KB a page.
"""

from __future__ import annotations

import json
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tqdm import tqdm

from engagement.models import Organization, OrganizationKind, Partnership, User
from matching.models import MatchSuggestion

BD, BD_JA, PM = "disco.bd", "disco.bd.ja", "pm"


def _pages() -> list[tuple[str, str]]:
    """(user, path) for the main pages, the record pages picked from the demo data."""
    deal = Partnership.objects.filter(team__slug="disco-bd").order_by("id").first()
    place = (
        Organization.objects.filter(kind=OrganizationKind.ASEAN_INSTITUTION, country="MY")
        .order_by("id")
        .first()
    )
    common = [
        "/",
        "/partnerships/",
        "/pipeline/board/",
        "/engagements/",
        "/follow-ups/",
        "/organizations/",
        "/matches/review/",
        "/coverage/",
        "/projects/",
        "/incentives/",
        "/notifications/",
        "/search/?q=penang",
        "/about/framework/",
    ]
    if deal is not None:
        common.append(f"/partnerships/{deal.pk}/")
    if place is not None:
        common.append(f"/organizations/{place.pk}/")
    pm_pages = [
        "/",
        "/partnerships/",
        "/pipeline/board/",
        "/matches/review/",
        "/coverage/",
        "/organizations/duplicates/",
        "/directory/suggested-edits/",
    ]
    return [(BD, p) for p in common] + [(BD_JA, p) for p in common] + [(PM, p) for p in pm_pages]


class Command(BaseCommand):
    help = "Median server-side time, size and queries of the main pages on the demo data."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5)

    def handle(self, *args, rounds: int, **options):
        if rounds < 1:
            raise CommandError("--rounds must be at least 1.")
        self._demo(options["verbosity"])
        clients: dict[str, Client] = {}
        for username in (BD, BD_JA, PM):
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"The demo user {username} is missing: run load_demo.")
            client = Client()
            client.force_login(user)
            clients[username] = client
        pages = _pages()
        results = []
        with tqdm(
            total=len(pages) * (rounds + 2),
            desc="pages",
            unit="req",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        ) as bar:
            for username, path in pages:
                results.append(self._measure(clients[username], username, path, rounds, bar))
        self._print(results)

    def _demo(self, verbosity: int) -> None:
        quiet = {"verbosity": 0}
        call_command("migrate", interactive=False, **quiet)
        call_command("createcachetable", **quiet)
        if not User.objects.filter(username=BD).exists():
            call_command("load_reference", **quiet)
            call_command("load_demo", verbosity=verbosity)
        if not MatchSuggestion.objects.exists():
            call_command("recompute_matches", verbosity=verbosity)

    def _measure(self, client: Client, username: str, path: str, rounds: int, bar) -> dict:
        response = client.get(path)  # warm-up: caches, the calendar address, lazy set-up
        bar.update(1)
        if response.status_code != 200:
            raise CommandError(f"{path} as {username} answered {response.status_code}.")
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            bar.update(1)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        bar.update(1)
        return {
            "user": username,
            "path": path,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "kb": round(len(response.content) / 1024, 1),
            "queries": len(queries.captured_queries),
        }

    def _print(self, results: list[dict]) -> None:
        self.stdout.write(
            f"{'user':<12} {'page':<34} {'median ms':>10} {'max ms':>8} {'KB':>7} {'queries':>8}"
        )
        for r in results:
            self.stdout.write(
                f"{r['user']:<12} {r['path'][:34]:<34} {r['median_ms']:>10.1f} "
                f"{r['max_ms']:>8.1f} {r['kb']:>7.1f} {r['queries']:>8}"
            )
        slowest = max(results, key=lambda r: r["median_ms"])
        self.stdout.write(
            f"slowest median: {slowest['path']} as {slowest['user']}, {slowest['median_ms']} ms; "
            f"pages over 300 ms: {sum(1 for r in results if r['median_ms'] > 300)}"
        )
        self.stdout.write(json.dumps({"pages": results}))
