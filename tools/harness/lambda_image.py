"""A stand-in for AWS's Lambda python3.13 base image, built on this machine, for `sam local invoke --invoke-image`.

In real use SAM pulls the runtime's image from AWS's public registry (public.ecr.aws/lambda/python:3.13-
<architecture>). Where no container registry is reachable (this project's machines and CI), this builds one
from what is: a root filesystem of the host's Debian release (debootstrap, from Debian's packages), this
machine's CPython of the runtime's version copied in at the same path (without its test suite and its
installed packages), Lambda's runtime interface client (awslambdaric, from PyPI) in /var/runtime, and a
/var/runtime/bootstrap that starts it as the runtime does. SAM builds its own image on top (its runtime
interface emulator, the function's layer in /opt) and mounts the code at /var/task.

Built once per machine: the tag is a hash of the recipe, and an image of that tag is reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ssm_event_notifier.runtime_python import RUNTIME_VERSION, runtime_python
from tools import REPO_ROOT

REPOSITORY = "ssm-event-notifier/lambda-python-stand-in"
AWS_IMAGE = f"public.ecr.aws/lambda/python:{RUNTIME_VERSION}"
RUNTIME_INTERFACE_CLIENT = "awslambdaric==4.2.2"
# What CPython's own modules link against (ssl, ctypes, zlib, sqlite3, bz2, lzma, pyexpat), and the CA
# certificates its HTTPS clients trust.
PACKAGES = ("libssl3", "libffi8", "zlib1g", "libsqlite3-0", "libbz2-1.0", "liblzma5", "libexpat1", "ca-certificates")
SOURCES = (Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*")))
DEBIAN_MIRROR = "http://deb.debian.org/debian"
WORK_DIR = REPO_ROOT / "cdk.out.local"


class ImageError(RuntimeError):
    """The stand-in image cannot be built here; the message says what is missing."""


def bootstrap(python: str) -> str:
    """Lambda's python runtime: the function's code, then the layer's folders, then the runtime's own."""
    return (
        "#!/bin/sh\n"
        f"export PYTHONPATH=/var/task:/opt/python/lib/python{RUNTIME_VERSION}/site-packages:/opt/python:/var/runtime\n"
        f'exec {python} -m awslambdaric "$_HANDLER"\n'
    )


def installation(python: str) -> tuple[str, Path]:
    """(the interpreter itself, its installation's prefix): a pyenv shim names another program."""
    code = "import sys; print(sys.executable); print(sys.prefix)"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    executable, prefix = done.stdout.split()
    return executable, Path(prefix)


def host_release() -> tuple[str, str]:
    """(Debian release, mirror): the host's, so that the copied interpreter finds the libraries it was built on."""
    fields = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
    suite = fields.get("VERSION_CODENAME", "").strip('"')
    if fields.get("ID", "").strip('"') != "debian" or not suite:
        raise ImageError("the stand-in image is built from Debian's packages, on a Debian host only")
    for path in SOURCES:
        text = path.read_text(errors="replace") if path.is_file() else ""
        for line in text.splitlines():
            words = line.split()
            # one-line format "deb URL suite ...", or deb822 "URIs: URL"
            if words[:1] == ["deb"] and len(words) > 2 and words[2] == suite and "security" not in words[1]:
                return suite, words[1]
            if words[:1] == ["URIs:"] and len(words) > 1 and "security" not in words[1]:
                return suite, words[1]
    return suite, DEBIAN_MIRROR


def image_tag(python: str) -> str:
    """The recipe's tag: a change to any part of it builds a new image."""
    version = subprocess.run([python, "-V"], capture_output=True, text=True, check=True).stdout.strip()
    recipe = "\n".join(
        [bootstrap(python), version, os.uname().machine, RUNTIME_INTERFACE_CLIENT, *PACKAGES, host_release()[0]]
    )
    return f"{REPOSITORY}:{RUNTIME_VERSION}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def image_exists(tag: str) -> bool:
    done = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    return done.returncode == 0


def _unmount_below(root: Path) -> None:
    """debootstrap mounts /proc and /sys in the new root; never delete through a mount left behind."""
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((m for m in mounts if m.startswith(f"{root}/")), reverse=True):
        subprocess.run(["umount", "-l", mount], check=False)


def _run(command: list[str], what: str, **options: Any) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **options)
    if done.returncode:
        raise ImageError(
            f"{what} failed ({done.returncode}): {' '.join(command)}\n{(done.stdout + done.stderr)[-3000:]}"
        )


def build(tag: str, python: str, log: Any) -> None:
    """Build the image `tag` from a new Debian root filesystem and `python`'s installation."""
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise ImageError("debootstrap not found: the stand-in image needs it (Debian: apt-get install debootstrap)")
    suite, mirror = host_release()
    python, prefix = installation(python)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="lambda-image-", dir=WORK_DIR))
    try:
        print(f"building {tag}: Debian {suite} from {mirror} (debootstrap, about a minute) ...", file=log, flush=True)
        command = [debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, str(root), mirror]
        _run(command, "debootstrap")
        print(f"  + {prefix} (Python {RUNTIME_VERSION}), {RUNTIME_INTERFACE_CLIENT} in /var/runtime", file=log)
        ignored = {prefix / "lib" / f"python{RUNTIME_VERSION}" / "test"}
        packages = prefix / "lib" / f"python{RUNTIME_VERSION}" / "site-packages"

        def ignore(folder: str, names: list[str]) -> list[str]:
            if Path(folder) == packages:  # the runtime starts with none of this machine's packages
                return names
            return [name for name in names if Path(folder) / name in ignored]

        shutil.copytree(prefix, root / prefix.relative_to("/"), symlinks=True, ignore=ignore)
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location"]
        _run([*pip, "--target", str(root / "var" / "runtime"), RUNTIME_INTERFACE_CLIENT], "pip install")
        script = root / "var" / "runtime" / "bootstrap"
        script.write_text(bootstrap(python))
        script.chmod(0o755)
        (root / "var" / "task").mkdir(parents=True, exist_ok=True)
        changes = [
            "ENV LAMBDA_TASK_ROOT=/var/task",
            "ENV LAMBDA_RUNTIME_DIR=/var/runtime",
            "ENV LANG=C.UTF-8",
            f"ENV PATH={prefix}/bin:/usr/local/bin:/usr/bin:/bin",
            "WORKDIR /var/task",
        ]
        options = [word for change in changes for word in ("--change", change)]
        with subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE) as tar:
            _run(["docker", "import", *options, "-", tag], "docker import", stdin=tar.stdout)
    finally:
        _unmount_below(root)
        shutil.rmtree(root, ignore_errors=True)


def ensure_image(log: Any) -> str:
    """The stand-in image's tag, built first when this machine has none of this recipe."""
    found = runtime_python(required=True)
    assert found is not None
    python = installation(found)[0]
    tag = image_tag(python)
    if image_exists(tag):
        print(f"runtime image: {tag} (the local stand-in for {AWS_IMAGE}, built before)", file=log)
        return tag
    build(tag, python, log)
    print(f"runtime image: {tag} (the local stand-in for {AWS_IMAGE}, built now)", file=log)
    return tag
