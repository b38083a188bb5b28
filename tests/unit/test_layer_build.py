"""`sam build` of the shared layer (layers/Makefile) ships bytecode: nothing is compiled at init.

Lambda's /opt is read-only, so a module without a usable .pyc is compiled at every cold start
(≈ 1.2 s of CPU per API function with the layer as the python3.13 build method made it).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import load_stack, load_yaml

ROOT = Path(__file__).resolve().parents[2]
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifacts = tmp_path_factory.mktemp("layer")
    layer = load_yaml(ROOT / "template.yaml")["Resources"]["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT / "layers"), "build-SharedLayer"],
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts), "PYTHON": sys.executable},
        check=True,
        capture_output=True,
    )
    return artifacts / "python"


def test_every_module_has_unchecked_hash_bytecode_of_its_own_source(built_layer: Path) -> None:
    sources = sorted(built_layer.rglob("*.py"))
    assert any(path.match("sitepulse/common/http.py") for path in sources)
    assert any(path.match("pydantic/main.py") for path in sources)
    wrong = []
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        header = cached.read_bytes()[:16] if cached.exists() else b""
        flags = int.from_bytes(header[4:8], "little") if header else None
        if flags != UNCHECKED_HASH or header[8:16] != importlib.util.source_hash(source.read_bytes()):
            wrong.append(str(source.relative_to(built_layer)))
    assert wrong == []


def test_no_cache_from_the_source_tree_is_copied(built_layer: Path) -> None:
    ours = built_layer / "sitepulse"
    shipped = {path.relative_to(ours) for path in ours.rglob("*") if "__pycache__" not in path.parts}
    source = {
        path.relative_to(ROOT / "layers" / "sitepulse")
        for path in (ROOT / "layers" / "sitepulse").rglob("*")
        if "__pycache__" not in path.parts
    }
    assert shipped == source
    stale = [path for path in ours.rglob("*.pyc") if ".cpython-313." not in path.name]
    assert stale == []


def test_a_handler_compiles_nothing_of_the_layer_at_init(built_layer: Path) -> None:
    # As in Lambda: the layer first on the path, and no bytecode can be written.
    function = load_stack(ROOT / "template.yaml").functions["OccupancyReadFunction"]
    code = (
        "import importlib._bootstrap_external as external\n"
        "compiled = []\n"
        "original = external.SourceLoader.source_to_code\n"
        "def counting(self, data, path, **kwargs):\n"
        "    compiled.append(path)\n"
        "    return original(self, data, path, **kwargs)\n"
        "external.SourceLoader.source_to_code = counting\n"
        "import app\n"
        f"print(sorted(p for p in compiled if p.startswith({str(built_layer)!r})))"
    )
    env = {
        **os.environ,
        **function.environment,
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([str(function.code_dir), str(built_layer)]),
    }
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_no_pydantic_plugin_is_shipped_so_disabling_plugins_loses_nothing(built_layer: Path) -> None:
    # template.yaml sets PYDANTIC_DISABLE_PLUGINS for every function (no entry-point scan at init).
    for function in load_stack(ROOT / "template.yaml").functions.values():
        assert function.environment["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    shipped = list(importlib.metadata.distributions(path=[str(built_layer)]))
    names = {dist.metadata["Name"] for dist in shipped}
    assert {"pydantic", "aws_lambda_powertools"} <= names  # the walk sees the layer's packages
    plugins = [entry for dist in shipped for entry in dist.entry_points if entry.group == "pydantic"]
    assert plugins == []


def test_the_layer_ships_exactly_the_pinned_versions(built_layer: Path) -> None:
    # The SDK included: the X-Ray SDK brings botocore anyway, so it must be the tested pair.
    pins = {}
    for line in (ROOT / "layers" / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.split("[")[0].replace("-", "_").lower()] = version
    assert {"boto3", "botocore"} <= set(pins)
    shipped = {
        dist.metadata["Name"].replace("-", "_").lower(): dist.version
        for dist in importlib.metadata.distributions(path=[str(built_layer)])
    }
    assert {name: shipped.get(name) for name in pins} == pins


def test_the_layer_is_built_for_the_functions_architecture() -> None:
    template = load_yaml(ROOT / "template.yaml")
    (architecture,) = template["Globals"]["Function"]["Architectures"]
    assert template["Resources"]["SharedLayer"]["Metadata"]["BuildArchitecture"] == architecture
    platforms = re.findall(r"--platform (\S+)", (ROOT / "layers" / "Makefile").read_text())
    assert platforms and all(platform.endswith(f"_{architecture}") for platform in platforms)
