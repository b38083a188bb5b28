"""SnapStart: the `random` state every restored container shares is reseeded after a restore."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from sitepulse.common.snapstart import reseed_after_restore


class Hooks(list[Callable[[], Any]]):
    """The runtime's after-restore registry: registration order, run on restore."""

    def __call__(self, hook: Callable[..., Any], *args: Any) -> None:
        self.append(lambda: hook(*args))

    def restore(self) -> None:
        for hook in self:
            hook()


def test_a_restore_reseeds_random_so_containers_diverge() -> None:
    hooks = Hooks()
    assert reseed_after_restore(hooks) is True
    assert len(hooks) == 1

    def first_draws_after_restore() -> list[float]:
        random.seed(7)  # the state captured in the snapshot, the same in every container
        hooks.restore()
        return [random.random() for _ in range(3)]

    assert first_draws_after_restore() != first_draws_after_restore()


def test_in_the_lambda_runtime_it_registers_with_snapshot_restore_py(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = Hooks()
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = hooks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    assert reseed_after_restore() is True
    assert len(hooks) == 1


def test_outside_lambda_there_is_nothing_to_register(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    assert reseed_after_restore() is False
