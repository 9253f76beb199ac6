"""What the functions ship, built without Docker: the dependency layer (lambdas/requirements.txt) and
the function code, both with bytecode compiled for the runtime's exact Python version.

Lambda's /opt and /var/task are read-only: a module without bytecode beside it is compiled again at
every cold start (`make bench`: about 4 times the import time). So the bundlers compile what they
ship with an interpreter of the runtime's version (RUNTIME, Python 3.13: the newest one these
machines can compile for; no 3.14 interpreter installs here), found as `LAYER_PYTHON`, `python3.13`
on PATH, or under pyenv or uv. The layer's build for Lambda fails without one (a layer without
bytecode would start 4 times slower, silently); `LAYER_PYTHON=none` builds one anyway, on purpose.

Both builds (`lambda`, and `host` in cdk.out.local/ for the local runs) leave out what no function
imports or reads (PRUNED), so that the tests run the same files Lambda runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ssm_event_notifier import local_build
from ssm_event_notifier.runtime_python import RUNTIME_VERSION, BuildError, runtime_python, version_of
from ssm_event_notifier.service_models import SEPARATE, TRIMMED, trim_service_models, unused_models

PACKAGE_DIR = Path(__file__).resolve().parent
# The functions' code: inside the installed package (the wheel carries it), or the repository's lambdas/.
LAMBDAS_DIR = next(path for path in (PACKAGE_DIR / "lambdas", PACKAGE_DIR.parent.parent / "lambdas") if path.is_dir())
# What the functions import of this package besides their own code: its contract, under the same name.
SHARED = (PACKAGE_DIR / "__init__.py", PACKAGE_DIR / "contract")
REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
RUNTIME = lambda_.Runtime.PYTHON_3_13  # runtime_python.RUNTIME_VERSION: tests/infra/test_layer.py checks they agree
# Why not the newest runtime (cdk-nag AwsSolutions-L1, Serverless-LambdaLatestVersion, acknowledged per function).
RUNTIME_REASON = (
    "Python 3.13, not 3.14: the functions ship bytecode compiled for the runtime's exact Python version "
    "(Lambda cannot write it: /var/task and /opt are read-only, so a module without it is compiled again at "
    "every cold start, which Lambda bills), and compiling it needs an interpreter of that version where the "
    "stack is built; no Python 3.14 installs on the build machines. Lambda supports python3.13 until "
    "30 June 2029 (deprecation date); docs/benchmarks.md gives the cold starts both ways."
)
NEWEST_RUNTIME_RULES = ("AwsSolutions-L1", "Serverless-LambdaLatestVersion")
ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDA_PLATFORM_TAG = "manylinux2014_aarch64"
# Written into the layer so that whoever runs it can tell which build it is.
BUILD_INFO = "ssm_event_notifier_layer.json"
# What no function imports or reads, left out of both builds: console scripts for the build machine
# (bin/), type stubs, a package's own test suite, botocore's documentation examples.
PRUNED = {
    "scripts": "bin/*",
    "type stubs": "*.pyi, *-stubs/",
    "test suites": "<package>/**/tests/, <package>/**/test/",
    "botocore examples": "botocore/data/**/examples-*.json",
    "other services' models": "botocore/data/<service>/ but SERVICES' newest (ssm_event_notifier/service_models.py)",
}
# Anything that changes what the bundlers produce: part of the assets' hashes.
RECIPE = json.dumps(
    {
        "runtime": RUNTIME.name,
        "pruned": PRUNED,
        "trimmed": TRIMMED,
        "separate": SEPARATE,
        "bytecode": "unchecked-hash",
        "version": 5,
    }
)


def host_platform_tag() -> str:
    """The wheel platform of this machine (the bench builds the runtime's layer for it)."""
    machine = os.uname().machine
    return f"manylinux2014_{'aarch64' if machine == 'arm64' else machine}"


def pip_command(target: Path, python_version: str | None, platform_tag: str | None) -> list[str]:
    """pip install of the runtime requirements into `target`: for another Python and platform
    (wheels only), or for this interpreter (python_version None)."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--quiet", "--disable-pip-version-check"]
    command += ["--target", str(target), "-r", str(REQUIREMENTS), "--no-compile"]
    if python_version:
        command += ["--platform", platform_tag or host_platform_tag(), "--implementation", "cp"]
        command += ["--python-version", python_version, "--only-binary=:all:"]
    return command


def pruned_paths(root: Path) -> dict[str, list[Path]]:
    """The files and folders under `root` (a layer's python/) that PRUNED leaves out, by kind."""
    found: dict[str, list[Path]] = {kind: [] for kind in PRUNED}
    found["scripts"] = [root / "bin"] if (root / "bin").is_dir() else []
    found["type stubs"] = sorted(root.glob("*-stubs")) + sorted(root.rglob("*.pyi"))
    packages = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith((".dist-info", "-stubs")))
    for package in packages:
        found["test suites"] += sorted(p for p in package.rglob("*") if p.is_dir() and p.name in ("tests", "test"))
    found["botocore examples"] = sorted((root / "botocore" / "data").glob("**/examples-*.json"))
    found["other services' models"] = unused_models(root / "botocore" / "data")
    return found


def _size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def prune(root: Path) -> dict[str, int]:
    """Remove what PRUNED names; the bytes removed, by kind (0 where there was none)."""
    removed: Counter[str] = Counter()
    for kind, paths in pruned_paths(root).items():
        for path in paths:
            if not path.exists():  # inside a folder removed before it
                continue
            removed[kind] += _size(path)
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return {kind: removed[kind] for kind in PRUNED}


def compile_tree(root: Path, python: str) -> None:
    """Bytecode beside every module, for `python`'s version; valid whatever the files' timestamps
    (unchecked-hash: an asset's zip keeps none that Python could trust), reproducible (fixed hash seed)."""
    command = [python, "-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash", str(root)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BuildError(f"compiling {root} with {python} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def build_layer(
    target: Path, python_version: str | None, platform_tag: str | None, python: str | None
) -> dict[str, Any]:
    """pip install into `target` (a layer's python/), prune, compile with `python`; what was built."""
    subprocess.run(pip_command(target, python_version, platform_tag), check=True)
    removed = prune(target)
    trimmed = trim_service_models(target)
    if python:
        compile_tree(target, python)
    return {
        "trimmed_service_models": trimmed,
        "runtime": f"python{python_version}" if python_version else "python{}.{}".format(*sys.version_info[:2]),
        "bytecode": f"python{version_of(python)}" if python else None,
        "pruned_bytes": removed,
        "requirements": REQUIREMENTS.read_text(),
    }


def _code_files(source: Path = LAMBDAS_DIR) -> dict[Path, Path]:
    """Where each file of the function code goes in the asset -> where it comes from: the handlers and
    the runtime library, and this package's contract; no requirements, no local bytecode."""
    found = {path.relative_to(source): path for path in source.rglob("*")}
    shared = [path for top in SHARED for path in (top, *top.rglob("*"))]
    found |= {path.relative_to(PACKAGE_DIR.parent): path for path in shared}
    return {
        relative: path
        for relative, path in sorted(found.items())
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and path != source / REQUIREMENTS.name
    }


def copy_code(target: Path, source: Path = LAMBDAS_DIR) -> None:
    for relative, path in _code_files(source).items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)


def code_fingerprint(source: Path = LAMBDAS_DIR) -> str:
    digest = hashlib.sha256(RECIPE.encode())
    for relative, path in _code_files(source).items():
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _bytecode_for(platform: str) -> str:
    """Which bytecode a build holds, for the assets' hashes (a missing interpreter fails the bundling, not this)."""
    if platform != "lambda":
        return sys.version.split()[0]
    python = runtime_python(required=False)
    return f"python{version_of(python)}" if python else "none"


@jsii.implements(ILocalBundling)
class PipBundler:
    """CDK local bundling of the layer: pip fetches wheels for the target platform, no Docker needed."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    def try_bundle(self, output_dir: str, options: Any) -> bool:  # jsii passes BundlingOptions positionally
        target = Path(output_dir) / "python"
        if self.platform == "lambda":
            info = build_layer(target, RUNTIME_VERSION, LAMBDA_PLATFORM_TAG, runtime_python(required=True))
            info["architecture"] = "arm64"
        else:  # this machine's interpreter, for the local runs
            info = build_layer(target, None, None, sys.executable)
            info["architecture"] = "host"
        (target / BUILD_INFO).write_text(json.dumps({"platform": self.platform, **info}, indent=2) + "\n")
        return True


@jsii.implements(ILocalBundling)
class CodeBundler:
    """CDK local bundling of the function code: a copy of lambdas/, compiled for the runtime when an
    interpreter of its version is here (the layer's bundler requires one for Lambda)."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        copy_code(Path(output_dir))
        python = runtime_python(required=False)
        if python:
            compile_tree(Path(output_dir), python)
        return True


@functools.cache
def _code_asset_hash() -> str:
    """lambdas/ read and hashed once per synth process, not once per function."""
    return hashlib.sha256((code_fingerprint() + _bytecode_for("lambda")).encode()).hexdigest()


def code_asset() -> lambda_.Code:
    """The function code asset (ssm_event_notifier.functions.function_code)."""
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=_code_asset_hash(),
        bundling=BundlingOptions(
            image=DockerImage.from_registry("unused-local-bundling-only"),
            local=CodeBundler(),  # type: ignore[arg-type]  # a jsii interface, see @jsii.implements
        ),
    )


class DependenciesLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, platform: str) -> None:
        super().__init__(scope, construct_id)
        # The layer changes when the requirements, the target platform, the recipe or the bytecode change.
        built = f"{platform} {RECIPE} {_bytecode_for(platform)}".encode()
        asset_hash = hashlib.sha256(REQUIREMENTS.read_bytes() + built).hexdigest()
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="SSM Event Notifier runtime dependencies (lambdas/requirements.txt)",
            code=lambda_.Code.from_asset(
                str(LAMBDAS_DIR),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=asset_hash,
                bundling=BundlingOptions(
                    image=DockerImage.from_registry("unused-local-bundling-only"),
                    local=PipBundler(platform),  # type: ignore[arg-type]  # a jsii interface, see @jsii.implements
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[local_build.architecture(platform, ARCHITECTURE)],
        )
