"""A builder that reads mkdocs.yml but runs no MkDocs plugin (Zensical) must fail, not publish raw placeholders."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import markdown
import pytest
import yaml

from cnn_glossary.site import mdext

from .conftest import ROOT

PAGE = """\
# Sizes

Intro line.

The output is {{ value convolution/output_size:mnist_first_layer }} wide.

```python
x = "{{ not a placeholder in code }}"
```
"""


def _render(text: str, **options) -> str:
    return markdown.markdown(text, extensions=[mdext.NAME, "fenced_code"], extension_configs={mdext.NAME: options})


def test_an_unsubstituted_placeholder_fails_naming_the_page_and_line(tmp_path):
    docs = tmp_path / "docs"
    (docs / "topics").mkdir(parents=True)
    (docs / "topics" / "sizes.md").write_text(PAGE)
    (docs / "other.md").write_text("# Other\n\nNothing here.\n")
    with pytest.raises(mdext.UnsubstitutedPlaceholder) as caught:
        _render(PAGE, docs_dir=str(docs))
    message = str(caught.value)
    assert f"{docs.as_posix()}/topics/sizes.md:5" in message
    assert "{{ value convolution/output_size:mnist_first_layer }}" in message
    assert "snippet step did not run" in message and "mkdocs build --strict" in message


def test_a_malformed_placeholder_fails_too(tmp_path):
    with pytest.raises(mdext.UnsubstitutedPlaceholder, match="does not close"):
        _render("# T\n\nA {{ value a/b:c } typo.\n", docs_dir=str(tmp_path))


def test_a_page_the_plugin_filled_or_left_on_purpose_passes():
    assert "wide" in _render(PAGE, substituted=True)
    assert "{{ value convolution/output_size:mnist_first_layer }}" in _render(PAGE, disabled=True)
    assert "<code>" in _render("# T\n\n`{{ literal }}` in code is fine.\n")  # no placeholder outside code


def test_mkdocs_yml_lists_the_extension():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # BaseLoader: !ENV tags as text
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    assert mdext.NAME in names


TINY = """\
site_name: Tiny
use_directory_urls: false
nav:
  - Home: index.md
{plugins}
markdown_extensions:
  - cnn_glossary.site.mdext
  - pymdownx.superfences
  - pymdownx.snippets:
      check_paths: true
"""


@pytest.mark.parametrize("plugins, ok", [
    ("plugins:\n  - cnn-glossary:\n      require_checks: false", True),  # the plugin fills the placeholder
    ("plugins:\n  - cnn-glossary:\n      enabled: false", True),  # switched off on purpose: left as text
    ("plugins: []", False),  # the plugin missing, as under a builder that runs none
])
def test_mkdocs_builds_with_the_plugin_and_fails_without_it(site, plugins, ok):
    (site.root / "mkdocs.yml").write_text(TINY.format(plugins=plugins))
    site.snippet("a/b", "from cnn_glossary import publish\npublish.value('n', 7)\n")
    site.page("# T\n\nSeven: {{ value a/b:n }}.\n")
    build = site.build("--strict")
    if ok:
        assert build.returncode == 0, build.log
    else:
        assert build.returncode != 0
        assert "docs/index.md:3: {{ value a/b:n }} was not substituted" in build.log, build.log


@pytest.mark.long
def test_zensical_build_fails_with_the_message(tmp_path):
    """Zensical installed into a throwaway virtual environment (never the project's), run on a copy of the
    project's pages: it must stop with the extension's message rather than publish placeholders."""
    env_dir = tmp_path / "zensical-venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "zensical"], capture_output=True,
                             text=True, timeout=900)
    if install.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot install zensical:\n{install.stderr[-2000:]}")
        pytest.skip(f"zensical is not installable here: {install.stderr.strip().splitlines()[-1:]}")
    work = tmp_path / "project"
    work.mkdir()
    shutil.copytree(ROOT / "docs", work / "docs")
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(ROOT / "src")  # the extension, without installing the project there
    proc = subprocess.run([str(env_dir / "bin" / "zensical"), "build"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "was not substituted: the snippet step did not run" in out, out[-3000:]
    assert any(f"docs/{p.name}:" in out for p in (ROOT / "docs").glob("*.md")), out[-3000:]
