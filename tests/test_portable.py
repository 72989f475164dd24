"""A page's code runs away from the project: the package as a wheel, the notebook's install cell, the frozen
result fetched from the published site, figures shown inline, and an "Open in Colab" link."""

from __future__ import annotations

import ast
import functools
import hashlib
import http.server
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from cnn_glossary.mnist import published, results
from cnn_glossary.site import notebooks, portable, wheel

from .conftest import MKDOCS_ENV, ROOT


# -- the wheel --------------------------------------------------------------------------------------------

def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (``from a.b import c`` gives a.b and a.b.c)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _module_file(name: str, names: set[str]) -> str | None:
    base = name.replace(".", "/")
    return next((f for f in (f"{base}.py", f"{base}/__init__.py") if f in names), None)


@functools.cache
def _wheel() -> tuple[str, bytes]:
    return wheel.build(ROOT)


def _reachable_from_snippets(names: set[str]) -> tuple[set[str], set[str]]:
    """(package files the snippets need, third-party top-level modules those files import)."""
    todo = [m for p in sorted((ROOT / "snippets").rglob("*.py")) for m in _imports(p)]
    files, third = set(), set()
    while todo:
        name = todo.pop()
        top = name.split(".")[0]
        if top != "cnn_glossary":
            third.add(top)
            continue
        file = _module_file(name, names)
        if file is None or file in files:
            continue  # an attribute, not a module, or seen
        files.add(file)
        todo += list(_imports(ROOT / "src" / file))
        parts = file.split("/")[:-1]  # importing a.b.c runs a/__init__.py and a/b/__init__.py too
        todo += [".".join(parts[: i + 1]) for i in range(len(parts))]
    return files, third


def test_the_wheel_holds_every_module_the_snippets_import():
    name, data = _wheel()
    assert name == "cnn_glossary-0.1.0-py3-none-any.whl"
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    missing = []
    for path in sorted((ROOT / "snippets").rglob("*.py")):
        for module in _imports(path):
            if module.startswith("cnn_glossary") and _module_file(module, names) is None:
                parent = module.rsplit(".", 1)[0]  # `from pkg import name`: name may be an attribute
                if _module_file(parent, names) is None:
                    missing.append(f"{path.relative_to(ROOT)}: {module}")
    assert not missing, missing
    for package in ("cnn_glossary/figures/__init__.py", "cnn_glossary/mnist/__init__.py",
                    "cnn_glossary/mnist/train.py", "cnn_glossary/figures/style.py", "cnn_glossary/site/publish.py"):
        assert package in names
    on_disk = {p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "cnn_glossary").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert on_disk <= names  # every module, not only those the snippets reach


def test_the_wheel_requires_every_library_the_snippets_reach():
    name, data = _wheel()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    meta = Parser().parsestr(archive.read("cnn_glossary-0.1.0.dist-info/METADATA").decode())
    requires = meta.get_all("Requires-Dist")
    core = {r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower() for r in requires if ";" not in r}
    backend = {r.split(">")[0].strip().lower() for r in requires if 'extra == "tensorflow"' in r}
    _files, third = _reachable_from_snippets(names)
    distribution = {"PIL": "pillow"}  # import name -> distribution name, where they differ
    optional = {"IPython"}  # imported only inside a running Jupyter kernel, which brings it
    needed = {distribution.get(m, m).lower() for m in third if m not in sys.stdlib_module_names and m not in optional}
    missing = sorted(needed - {"tensorflow"} - core)
    assert not missing, f"snippets reach {missing}, which pyproject.toml's dependencies do not list"
    assert {"tensorflow", "tensorflow-cpu"} & backend
    assert not {"mkdocs", "mkdocs-material", "pymdown-extensions"} & core  # the site engine is an extra


def test_the_wheel_is_the_same_bytes_on_every_build():
    assert wheel.build(ROOT) == wheel.build(ROOT)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "1.0"\n'
                                             '[tool.setuptools.packages.find]\nwhere = ["src"]\n')
    return tmp_path


def test_a_module_folder_without_init_or_a_data_file_is_an_error(tmp_path):
    root = _project(tmp_path)
    assert wheel.build(root)[0] == "pkg-1.0-py3-none-any.whl"
    (root / "src" / "pkg" / "loose").mkdir()
    (root / "src" / "pkg" / "loose" / "m.py").write_text("x = 1\n")
    with pytest.raises(wheel.WheelError, match=r"src/pkg/loose/ holds Python files but no __init__.py"):
        wheel.build(root)
    shutil.rmtree(root / "src" / "pkg" / "loose")
    (root / "src" / "pkg" / "table.json").write_text("{}")
    with pytest.raises(wheel.WheelError, match=r"src/pkg/table.json is not a module"):
        wheel.build(root)


@pytest.mark.long
def test_the_wheel_matches_what_setuptools_builds(tmp_path):
    """The oracle: pip's own build of the project (setuptools, as configured in pyproject.toml)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
                           str(ROOT)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    theirs = zipfile.ZipFile(next(tmp_path.glob("*.whl")))
    name, data = _wheel()
    ours = zipfile.ZipFile(io.BytesIO(data))
    assert next(tmp_path.glob("*.whl")).name == name
    assert set(theirs.namelist()) == set(ours.namelist())
    for member in theirs.namelist():
        if member.endswith(("/RECORD", "/WHEEL")):  # the generator's name and the hashes of those files
            continue
        assert theirs.read(member) == ours.read(member), member


# -- the install cell and the Colab link --------------------------------------------------------------------

REAL_FIND_SPEC = importlib.util.find_spec


def _run_cell(source: str, find_spec=REAL_FIND_SPEC, env: dict | None = None) -> tuple[dict, list[str]]:
    """Execute the install cell as IPython would, recording the magics it runs instead of running pip."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls: list[str] = []

    class Shell:
        def run_line_magic(self, name, line, _stack_depth=1):
            frame = sys._getframe(1)
            calls.append(f"%{name} " + line.format(**{**frame.f_globals, **frame.f_locals}))

    code = TransformerManager().transform_cell(source)
    namespace = {"get_ipython": lambda: Shell()}
    saved = dict(os.environ)
    importlib.util.find_spec = find_spec
    try:
        os.environ.pop("CNN_GLOSSARY_SITE", None)
        os.environ.update(env or {})
        exec(compile(code, "<install cell>", "exec"), namespace)
        site = os.environ.get("CNN_GLOSSARY_SITE")
    finally:
        importlib.util.find_spec = REAL_FIND_SPEC
        os.environ.clear()
        os.environ.update(saved)
    namespace["_site_env"] = site
    return namespace, calls


def _not_installed(name, *args):
    return None if name == "cnn_glossary" else REAL_FIND_SPEC(name, *args)


def test_in_a_checkout_the_install_cell_installs_nothing():
    ns, calls = _run_cell(portable.install_cell("https://example.org/cg/", None, "w.whl"))
    assert calls == []
    assert ns["_site_env"] == "https://example.org/cg/"  # the result fetch is pointed at the site all the same


def test_outside_a_checkout_the_install_cell_installs_the_sites_wheel():
    ns, calls = _run_cell(portable.install_cell("https://example.org/cg/", "https://github.com/o/r", "w.whl"),
                          find_spec=_not_installed)
    assert calls == ['%pip install --quiet "cnn-glossary @ https://example.org/cg/assets/dist/w.whl"']


def test_without_tensorflow_the_install_cell_adds_it():
    def bare(name, *args):
        return None if name in ("cnn_glossary", "tensorflow") else REAL_FIND_SPEC(name, *args)

    _ns, calls = _run_cell(portable.install_cell("https://example.org/cg", None, "w.whl"), find_spec=bare)
    assert calls == ['%pip install --quiet "cnn-glossary[tensorflow] @ https://example.org/cg/assets/dist/w.whl"']


def test_the_install_cell_takes_a_site_folder_or_the_repository(tmp_path):
    cell = portable.install_cell(None, "https://github.com/o/r", "w.whl")
    _ns, calls = _run_cell(cell, find_spec=_not_installed, env={"CNN_GLOSSARY_SITE": str(tmp_path)})
    assert calls == [f'%pip install --quiet "cnn-glossary @ {tmp_path.as_uri()}/assets/dist/w.whl"']
    _ns, calls = _run_cell(cell, find_spec=_not_installed)
    assert calls == ['%pip install --quiet "cnn-glossary @ git+https://github.com/o/r"']
    with pytest.raises(RuntimeError, match="built without a site_url"):
        _run_cell(portable.install_cell("", None, "w.whl"), find_spec=_not_installed)


def test_colab_opens_github_repositories_only():
    assert portable.colab_url("https://github.com/o/r.git", "notebooks", "index.ipynb") == \
        "https://colab.research.google.com/github/o/r/blob/notebooks/index.ipynb"
    assert portable.colab_url("https://gitlab.com/o/r", "notebooks", "index.ipynb") is None
    assert portable.colab_url(None, "notebooks", "index.ipynb") is None


SNIPPET = ("from cnn_glossary import publish\n\n# --8<-- [start:lesson]\nn = 7\n# --8<-- [end:lesson]\n"
           "publish.value('n', n)\n")


def _colab_site(site, extra: str):
    (site.root / "mkdocs.yml").write_text((site.root / "mkdocs.yml").read_text() + extra)
    site.snippet("a/b", SNIPPET)
    site.page("# Seven\n\nSeven: {{ value a/b:n }}.\n\n{{ snippet a/b:lesson }}\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    return site.html()


def test_a_site_with_a_github_repository_links_each_notebook_to_colab(site):
    html = _colab_site(site, "site_url: https://o.example/r/\nrepo_url: https://github.com/o/r\n")
    assert 'href="https://colab.research.google.com/github/o/r/blob/notebooks/index.ipynb"' in html
    nb = json.loads((site.root / "site" / "notebooks" / "index.ipynb").read_text())
    install = "".join(nb["cells"][1]["source"])
    assert "SITE = os.environ.get(\"CNN_GLOSSARY_SITE\") or 'https://o.example/r/'" in install
    assert "REPOSITORY = 'https://github.com/o/r'" in install
    name, data = _wheel()
    assert (site.root / "site" / "assets" / "dist" / name).read_bytes() == data


def test_a_site_without_a_repository_has_no_colab_link(site):
    html = _colab_site(site, "")
    assert "colab" not in html.lower()
    assert 'href="notebooks/index.ipynb"' in html  # the download button is still there


# -- the frozen result, fetched from the published site -----------------------------------------------------

def _fake_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "assets" / "mnist").mkdir(parents=True)
    for path in portable.result_files(ROOT):
        shutil.copy(path, site / "assets" / "mnist" / path.name)
    return site


def test_outside_a_checkout_the_result_comes_from_the_site_checked(tmp_path, monkeypatch):
    site = _fake_site(tmp_path)
    monkeypatch.setattr(results, "ROOT", tmp_path / "lib" / "python3")  # as installed: no pyproject.toml there
    monkeypatch.setenv("CNN_GLOSSARY_SITE", str(site))
    monkeypatch.setenv("CNN_GLOSSARY_DATA", str(tmp_path / "data"))
    published._fetch.cache_clear()
    frozen = results.load_result()
    assert frozen.folder.is_relative_to(tmp_path / "data")
    assert frozen.data == json.loads((ROOT / "results" / "mnist" / "result.json").read_text())
    assert hashlib.sha256(frozen.model_path.read_bytes()).hexdigest() == frozen.data["model_sha256"]


def test_a_damaged_model_on_the_site_is_refused_and_nothing_is_kept(tmp_path):
    site = _fake_site(tmp_path)
    model = next((site / "assets" / "mnist").glob("model-*.keras"))
    model.write_bytes(model.read_bytes()[:-1] + b"x")
    published._fetch.cache_clear()
    with pytest.raises(published.ResultUnavailable,
                       match=r"model-\w+\.keras: its sha256 is \w+, but result.json records"):
        published.results_folder(str(site), cache=tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*.keras"))


def test_a_result_naming_a_path_outside_its_folder_is_refused(tmp_path):
    site = _fake_site(tmp_path)
    path = site / "assets" / "mnist" / "result.json"
    path.write_text(json.dumps(dict(json.loads(path.read_text()), model_file="../../x.keras")))
    published._fetch.cache_clear()
    with pytest.raises(published.ResultUnavailable, match="expected model-<12 hex>.keras"):
        published.results_folder(str(site), cache=tmp_path / "cache")


def test_without_a_site_the_message_says_what_to_set(monkeypatch):
    monkeypatch.delenv("CNN_GLOSSARY_SITE", raising=False)
    with pytest.raises(published.ResultUnavailable, match=r"\$CNN_GLOSSARY_SITE is not set"):
        published.results_folder()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path):
    """A web server for ``folder`` on 127.0.0.1 (a free port), in a thread: ``(server, base URL)``."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def test_the_result_is_fetched_over_http_once(tmp_path):
    site = _fake_site(tmp_path)
    server, url = serve(site)
    try:
        published._fetch.cache_clear()
        folder = published.results_folder(url, cache=tmp_path / "cache")
        assert (folder / "result.json").read_bytes() == (site / "assets" / "mnist" / "result.json").read_bytes()
        shutil.rmtree(site / "assets")  # the second call in this process does not ask the site again
        assert published.results_folder(url, cache=tmp_path / "cache") == folder
    finally:
        server.shutdown()


# -- figures in a notebook -----------------------------------------------------------------------------------

def test_a_published_figure_shows_under_its_cell_in_a_notebook():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nfrom cnn_glossary import publish\n"
        "fig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])\n"
        "publish.figure('line', fig, alt='A rising straight line.', caption='A line from the origin.')\n"
        "publish.figure('png', b'\\x89PNG\\r\\n\\x1a\\n', alt='Ten or more characters.', caption='Bytes.',"
        " format='png')")])
    NotebookClient(nb, timeout=120).execute()
    outputs = nb.cells[0].outputs
    kinds = [kind for o in outputs for kind in o.get("data", {})]
    assert "image/svg+xml" in kinds and "image/png" in kinds, kinds
    printed = "".join(o.get("text", "") for o in outputs)
    assert "A line from the origin." in printed and "figure written to" not in printed


# -- the proof: a page's notebook in a fresh environment, the package and the model from the served site ------

FILTERS = """\
from cnn_glossary import publish
from cnn_glossary.figures.style import draw_grid, plt
from cnn_glossary.mnist import results

# --8<-- [start:lesson]
model = results.for_page().load_model()  # the frozen network: from results/mnist/, or fetched from the site
kernels = model.get_layer("conv1").get_weights()[0]
# --8<-- [end:lesson]
publish.value("n_filters", kernels.shape[-1])
fig, ax = plt.subplots(figsize=(2, 2))
draw_grid(ax, kernels[:, :, 0, 0].round(2))
publish.figure("kernels", fig, alt="The first 3 by 3 kernel of conv1.", caption="conv1, filter 0.")
"""


@pytest.mark.long
def test_a_pages_notebook_runs_in_a_fresh_environment_from_the_served_site(site, tmp_path):
    """A page whose snippet reads the trained model and draws its first-layer kernels, the project's frozen
    result beside it; a virtual environment with the pinned libraries but not the project;
    a working folder outside any checkout; the built site served on 127.0.0.1. The notebook's first cell
    installs the site's wheel, the model is fetched from the site and checked, the figures show inline."""
    site.snippet("mnist/filters", FILTERS)
    shutil.copytree(ROOT / "results" / "mnist", site.root / "results" / "mnist")
    site.page("# Filters\n\n{{ value mnist/filters:n_filters }} filters.\n\n{{ figure mnist/filters:kernels }}\n\n"
              "{{ snippet mnist/filters:lesson }}\n")
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=site.root, env=MKDOCS_ENV,
                           capture_output=True, text=True, timeout=3600)  # a busy machine: more than site.build's 600 s
    assert build.returncode == 0, build.stdout + build.stderr
    built = site.root / "site"
    assert (built / "assets" / "dist" / _wheel()[0]).read_bytes() == _wheel()[1]

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements.lock")],
                         capture_output=True, text=True, timeout=1800)
    assert pip.returncode == 0, pip.stderr[-3000:]
    assert subprocess.run([str(py), "-c", "import cnn_glossary"], capture_output=True).returncode != 0
    data = tmp_path / "data"  # an empty results cache; MNIST itself from the user's cache (no download)
    data.mkdir()
    from cnn_glossary.mnist.data import data_home

    if data_home().is_dir():
        (data / "mnist").symlink_to(data_home())
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(built / "notebooks" / "index.ipynb", work / "page.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(CNN_GLOSSARY_DATA=str(data), PATH=f"{env_dir / 'bin'}:{env['PATH']}", TF_CPP_MIN_LOG_LEVEL="3")
    driver = ("import sys, nbformat\nfrom nbclient import NotebookClient\n"
              "nb = nbformat.read('page.ipynb', as_version=4)\n"
              "try:\n    NotebookClient(nb, timeout=900, kernel_name='python3').execute()\n"
              "finally:\n    nbformat.write(nb, 'ran.ipynb')\n")
    server, url = serve(built)
    try:
        env["CNN_GLOSSARY_SITE"] = url  # as if the site had been built with site_url set to this address
        proc = subprocess.run([str(py), "-c", driver], cwd=work, env=env, capture_output=True, text=True,
                              timeout=3600)
    finally:
        server.shutdown()
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    ran = nbformat.read(work / "ran.ipynb", as_version=4)
    code = [c for c in ran.cells if c.cell_type == "code"]
    printed = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    installed = next(iter(env_dir.glob("lib/python*/site-packages/cnn_glossary")), None)
    assert installed is not None, "the install cell did not install the package into the fresh environment"
    assert f"cnn_glossary from {installed}" in printed, printed[:2000]
    assert "fetched the trained MNIST model" in printed and url in printed, printed[-2000:]
    assert any("image/svg+xml" in o.get("data", {}) for c in code for o in c.outputs), "no figure was shown inline"
    assert list((data / "results" / "mnist").rglob("model-*.keras"))
