"""The package's shape: one `v2c` namespace, layers that import one way, extras that say what they need."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BARE = {"envs", "agents", "rewards"}
"""Folders at the top of the repository that install inside `v2c` and must never be imported bare."""


def python_sources() -> dict[str, str]:
    """Every piece of Python a user or the suite runs: modules, tests, benchmarks, notebook cells, README code."""
    sources = {}
    for folder in ("v2c", "envs", "agents", "rewards", "tests", "benchmarks", "scripts", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" not in path.parts:
                sources[str(path.relative_to(ROOT))] = path.read_text()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        sources[path.name] = "\n".join(line for block in code for line in block.splitlines() if not line.startswith(("%", "!")))
    for path in (ROOT / "README.md", ROOT / "ARCHITECTURE.md"):
        if path.exists():
            blocks = re.findall(r"^```python\n(.*?)^```$", path.read_text(), re.S | re.M)  # fences at line starts
            sources[path.name] = "\n".join(blocks)
    return sources


def bare_imports(source: str) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] in BARE]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module] if node.module.split(".")[0] in BARE else []
    return names


def test_nothing_imports_the_top_level_folders_bare() -> None:
    found = {name: bare for name, source in python_sources().items() if (bare := bare_imports(source))}
    assert found == {}, f"import them as v2c.envs, v2c.agents, v2c.rewards: {found}"


def test_the_bare_import_check_catches_a_bare_import() -> None:
    assert bare_imports("import agents\nfrom rewards.scorer import X\nfrom v2c.envs import Y") == ["agents", "rewards.scorer"]


def test_the_layers_hold(tmp_path: Path) -> None:
    """import-linter's contracts in pyproject.toml: layers, no cycles, widgets that never score."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "lint_layers.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: " in result.stdout and " broken" in result.stdout and "0 broken" in result.stdout


BACKEND_MODULES = {"rewards/backend.py", "rewards/ray_pool.py"}
"""Where scoring backends are built; `v2c/render/` defines the pool, and `v2c render` (no scoring) renders."""
POOL_NAMES = {"LocalRendererPool", "RayScoringPool", "RayPoolConfig"}


def pool_names(source: str) -> set[str]:
    """The browser- and Ray-pool names a module uses (imported or referred to)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names |= {a.name for a in node.names} & POOL_NAMES
        elif isinstance(node, (ast.Name, ast.Attribute)):
            names |= {getattr(node, "id", None) or getattr(node, "attr", None)} & POOL_NAMES
    return names


def test_only_the_backends_build_pools() -> None:
    """Consumers take `backend=` (`v2c.rewards.backend.make_backend`); none builds a pool of its own."""
    package = {name: source for name, source in python_sources().items()
               if name.split("/")[0] in ("v2c", "envs", "agents", "rewards") and not name.startswith("v2c/render/")}
    found = {name: used for name, source in package.items()
             if name not in BACKEND_MODULES | {"v2c/cli.py"} and (used := pool_names(source))}
    assert found == {}, f"build it through make_backend: {found}"
    assert pool_names("from v2c.render import LocalRendererPool\npool = x.RayScoringPool()") == {
        "LocalRendererPool", "RayScoringPool"}  # the check sees what it must


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory) -> Path:
    """The package as `pip install .` lays it out (dependencies left to this environment)."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
                    str(site), str(ROOT)], check=True, capture_output=True)
    return site


def run_isolated(site: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    """`code` in a Python that sees the installed wheel and this environment's dependencies, but not the
    repository or its editable install (no site module, so no .pth finder; cwd elsewhere). The vendored
    front-end libraries are npm's, outside the wheel: `V2C_VENDOR_DIR` points at this checkout's."""
    import os
    import sysconfig

    prelude = f"import sys; sys.path[:0] = [{str(site)!r}, {sysconfig.get_paths()['purelib']!r}]\n"
    env = {**os.environ, "V2C_VENDOR_DIR": str(ROOT / "v2c" / "render" / "vendor")}
    return subprocess.run([sys.executable, "-S", "-c", prelude + code], cwd=cwd, capture_output=True, text=True,
                          env=env)


def test_the_wheel_installs_one_namespace_and_no_bare_packages(wheel_site: Path, tmp_path: Path) -> None:
    top = sorted(p.name for p in wheel_site.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin")
    assert top == ["v2c"]
    ok = run_isolated(wheel_site, "import v2c.envs, v2c.rewards, v2c.agents, v2c.envs.tasks\n"
                                  "print(v2c.agents.__file__)", tmp_path)
    assert ok.returncode == 0 and ok.stdout.startswith(str(wheel_site)), ok.stderr
    for name in sorted(BARE):
        bare = run_isolated(wheel_site, f"import {name}", tmp_path)
        assert bare.returncode != 0 and "ModuleNotFoundError" in bare.stderr, name


def test_the_core_install_scores_a_page_without_any_extra(wheel_site: Path, tmp_path: Path) -> None:
    page = ("<style>@keyframes m{to{transform:translateX(120px)}} div{width:40px;height:40px;background:#36c;"
            "animation:m 1s linear infinite}</style><div></div>")
    (tmp_path / "ref.html").write_text(page)
    (tmp_path / "cand.html").write_text(page.replace("1s", "2s"))
    code = ("from v2c.cli import main\n"
            "rc = main(['score', 'ref.html', 'cand.html', '--json', '--duration', '1', '--fps', '5'])\n"
            "heavy = sorted(m for m in ('torch', 'transformers', 'trl', 'datasets', 'anywidget', 'ipywidgets',"
            " 'jupyterlab', 'dreamsim') if m in sys.modules)\n"
            "print('HEAVY', heavy, 'RC', rc)\n")
    result = run_isolated(wheel_site, code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    scores = json.loads(result.stdout.splitlines()[0])
    assert 0.0 < scores["total"] < 1.0 and set(scores["scores"]) == {"appearance", "temporal", "functional"}
    assert "HEAVY [] RC 0" in result.stdout


def test_a_missing_extra_names_the_pip_install_that_brings_it() -> None:
    from v2c.extras import require_extra

    with pytest.raises(ImportError, match=r"pip install 'v2c-gym\[train\]'"):
        require_extra("train", "a_module_nobody_installed")
    require_extra("train", "numpy")  # present: no error
