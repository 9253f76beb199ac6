"""MkDocs hooks of the documentation site (mkdocs.yml `hooks:`).

The theme draws Mermaid diagrams with the Mermaid script it finds on the page, and fetches one from a CDN
when there is none: a site read offline, or inside a network that blocks the CDN, would show the diagrams'
source. The script of the pinned npm package (package.json) goes into the site beside its pages instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

MERMAID_SCRIPT = Path("node_modules", "mermaid", "dist", "mermaid.min.js")  # from the folder of mkdocs.yml
SITE_PATH = "javascripts/mermaid.min.js"  # mkdocs.yml's extra_javascript names it


def on_post_build(config: Any, **_: Any) -> None:
    script = Path(config["config_file_path"]).parent / MERMAID_SCRIPT
    if not script.is_file():
        raise PluginError(f"{script} is missing: run `make setup` (npm ci installs it)")
    target = Path(config["site_dir"]) / SITE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(script, target)
