"""Asset sizes: the function code and the dependency layer, unzipped and zipped, per build.

`lambda` is what `make synth` bundles for Lambda (cdk.out/, Linux ARM64 wheels, bytecode for the
runtime's Python); `host` is the build the local runs use (cdk.out.local/). Both ship bytecode
(infra/ssm_event_notifier/layer.py), so it is counted: `bytecode` says how much of each is .pyc. Zipped: deflate at
level 9, as the asset is uploaded. Lambda's limits: 250 MB unzipped for a function and its layers,
50 MB zipped for a direct upload.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from tools.harness.template import Template

LIMIT_UNZIPPED = 250 * 1024 * 1024


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def sizes(folder: Path) -> dict[str, int]:
    files = _files(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            archive.write(path, path.relative_to(folder))
    return {
        "files": len(files),
        "unzipped": sum(p.stat().st_size for p in files),
        "zipped": buffer.tell(),
        "bytecode": sum(p.stat().st_size for p in files if p.suffix == ".pyc"),
    }


def largest_packages(layer: Path, count: int = 5) -> dict[str, int]:
    """Unzipped bytes of the layer's largest top-level packages."""
    totals: Counter[str] = Counter()
    root = layer / "python"
    for path in _files(root):
        totals[path.relative_to(root).parts[0]] += path.stat().st_size
    return dict(totals.most_common(count))


def measure(templates: dict[str, Template]) -> dict[str, Any]:
    builds = {}
    for build, template in templates.items():
        spec = next(iter(template.functions().values()))
        (layer,) = spec.layer_dirs
        code, dependencies = sizes(spec.code_dir), sizes(layer)
        info = template.layer_build()
        builds[build] = {
            "code": code,
            "layer": dependencies,
            "layer_platform": info.get("platform"),
            "layer_runtime": info.get("runtime"),
            "layer_bytecode": info.get("bytecode"),
            "pruned_bytes": info.get("pruned_bytes", {}),
            "largest_packages_unzipped": largest_packages(layer),
            "share_of_lambda_limit": round((code["unzipped"] + dependencies["unzipped"]) / LIMIT_UNZIPPED, 3),
        }
    return {"asset_bytes": builds, "limits": "250 MB unzipped (function + layers), 50 MB zipped direct upload"}
