"""Resources that other apps put on the REST API: one router, one namespace (`api`), one version
(/api/v1/), whichever app a resource belongs to.

Matching's match suggestions and strategies build on this package (its filters, pagination,
permissions, idempotency), so this package cannot import them: matching registers them when
its app is ready (matching/apps.py), before any URL is resolved, and engagement/api/urls.py puts
them on its router.
"""

from __future__ import annotations

_resources: list[tuple[str, type, str]] = []


def api_resource_register(prefix: str, viewset: type, *, basename: str) -> None:
    if (prefix, viewset, basename) not in _resources:
        _resources.append((prefix, viewset, basename))


def api_resources() -> list[tuple[str, type, str]]:
    return list(_resources)
