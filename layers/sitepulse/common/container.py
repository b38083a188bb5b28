"""Objects built once per Lambda container: the one way handlers get their services.

    @per_container
    def service() -> OccupancyService: ...

The first call builds (settings validated, clients and repositories created), later calls
return the same object, as module globals would, but built in one place per domain and
importable by handlers, steps and tests alike. `reset()` forgets them all: a test starting
against a fresh moto backend gets fresh objects, like a new container.
"""

from collections.abc import Callable
from functools import cache

from sitepulse.common.settings import load_settings

_factories: list[Callable[[], object]] = []


def per_container[T](factory: Callable[[], T]) -> Callable[[], T]:
    cached = cache(factory)
    _factories.append(cached)
    return cached


def reset() -> None:
    """Forget every object built so far, and the settings read from the environment."""
    for factory in _factories:
        factory.cache_clear()  # type: ignore[attr-defined]
    load_settings.cache_clear()
