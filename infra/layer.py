"""One Lambda layer with the runtime dependencies of lambdas/requirements.txt, built without Docker."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import LAMBDAS_DIR

REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
# Written into the layer so that whoever runs it can tell which build it is.
BUILD_INFO = "ssm_event_notifier_layer.json"


def pip_command(target: Path, platform: str) -> list[str]:
    """pip install of the runtime requirements into `target`, for Lambda or for this machine."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--quiet", "--disable-pip-version-check"]
    command += ["--target", str(target), "-r", str(REQUIREMENTS)]
    if platform == "lambda":
        python_version = RUNTIME.name.removeprefix("python")
        command += ["--platform", "manylinux2014_aarch64", "--implementation", "cp"]
        command += ["--python-version", python_version, "--only-binary=:all:", "--no-compile"]
    return command


@jsii.implements(ILocalBundling)
class PipBundler:
    """CDK local bundling: pip fetches wheels for the target platform, no Docker needed."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    def try_bundle(self, output_dir: str, options: Any) -> bool:  # jsii passes BundlingOptions positionally
        target = Path(output_dir) / "python"
        subprocess.run(pip_command(target, self.platform), check=True)
        info = {
            "platform": self.platform,
            "runtime": RUNTIME.name
            if self.platform == "lambda"
            else f"python{sys.version_info[0]}.{sys.version_info[1]}",
            "architecture": "arm64" if self.platform == "lambda" else "host",
            "requirements": REQUIREMENTS.read_text(),
        }
        (target / BUILD_INFO).write_text(json.dumps(info, indent=2) + "\n")
        return True


class DependenciesLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, platform: str) -> None:
        super().__init__(scope, construct_id)
        # The layer changes when the requirements or the target platform change, nothing else.
        asset_hash = hashlib.sha256(REQUIREMENTS.read_bytes() + platform.encode()).hexdigest()
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
            compatible_architectures=[ARCHITECTURE],
        )
