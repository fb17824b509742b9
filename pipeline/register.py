"""Stage 6, register: publish a version folder through the service's registry CLI.

There is one publisher, `lead-scoring registry publish` (src/registry/): it verifies the folder
as the service will (sha256, golden check), numbers the version (1.0.0 first; patch for the
same request schema, minor when fields change, --major on request), writes it immutably with
metadata.json last and, with --promote-if-better, moves the alias only for a primary metric
better beyond noise (the folder's paired `comparison` with production, else strictly better).
This module only finds that command, runs it and reports what it printed.

Which command: $LEAD_SCORING_CLI (a command line, split like a shell would), else this
repository's own CLI when run from a checkout with node_modules (`node --import tsx
src/cli/main.ts`, or the built dist/src/cli/main.js), else `lead-scoring` on PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import PipelineError

CLI_ENV = "LEAD_SCORING_CLI"
# The repository this package sits in, when it is a checkout (pipeline/ is at its root).
REPO = Path(__file__).resolve().parent.parent

# src/cli/exit-codes.ts
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_KEPT = 3
# publish --promote-if-better: published, but the alias changed while the CLI decided (another
# operator or job moved it), so it was not promoted. The pipeline's commands exit with it too.
EXIT_ALIAS_MOVED = 4

PUBLISHED = re.compile(r"^published (?P<model>\S+) (?P<version>\S+) to (?P<location>.+)$")


@dataclass(frozen=True)
class RegistryCli:
    """The registry command line and the directory to run it in (None: the current one)."""

    argv: tuple[str, ...]
    cwd: Path | None = None

    def __str__(self) -> str:
        return shlex.join(self.argv)


def _checkout_cli(node: str | None) -> RegistryCli | None:
    modules = REPO / "node_modules"
    if not modules.is_dir() or node is None:
        return None
    source = REPO / "src" / "cli" / "main.ts"
    if source.is_file() and (modules / "tsx").is_dir():
        # `--import tsx` resolves from the working directory, hence cwd.
        return RegistryCli((node, "--import", "tsx", str(source)), cwd=REPO)
    built = REPO / "dist" / "src" / "cli" / "main.js"
    return RegistryCli((node, str(built))) if built.is_file() else None


def registry_cli() -> RegistryCli:
    """The registry CLI to run; a PipelineError saying how to get one when there is none."""
    configured = os.environ.get(CLI_ENV, "").strip()
    if configured:
        argv = shlex.split(configured)
        if shutil.which(argv[0]) is None:
            raise PipelineError(f"{CLI_ENV}={configured!r}: {argv[0]} not found")
        return RegistryCli(tuple(argv))
    node = shutil.which("node")
    found = _checkout_cli(node)
    if found is not None:
        return found
    installed = shutil.which("lead-scoring")
    if installed is not None:
        return RegistryCli((installed,))
    if (REPO / "package.json").is_file():
        how = f"install Node.js ≥ 20.19 and run `npm ci` in {REPO}"
        if node is not None:
            how = f"run `npm ci` in {REPO}"
    else:
        how = "install the service's CLI (`lead-scoring` on PATH)"
    raise PipelineError(
        f"the registry CLI `lead-scoring` was not found: {how}, "
        f"or set {CLI_ENV} (e.g. 'node /app/dist/src/cli/main.js' in the service image)"
    )


def code_commit() -> str | None:
    """The training code's git commit for the lineage: $GIT_COMMIT (set by CI or an image
    build), else this checkout's HEAD with "-dirty" when pipeline/ has uncommitted changes, else
    None (an installed package that does not know its commit)."""
    configured = os.environ.get("GIT_COMMIT", "").strip()
    if configured:
        return configured
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        return None

    def git(*args: str) -> str | None:
        done = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        return None
    dirty = git("status", "--porcelain", "--", "pipeline")
    return f"{head}-dirty" if dirty else head


@dataclass(frozen=True)
class Published:
    """What `lead-scoring registry publish` did."""

    version: str  # the number the registry gave the version
    location: str  # <registry>/<model>/<version>: a directory or a gs:// prefix
    promoted: bool | None  # --promote-if-better: moved the alias or kept it; otherwise None
    output: str  # the CLI's own report: the publish line and the promotion decision
    # --promote-if-better lost a race: someone else moved the alias while the CLI decided. The
    # version stays published and unpromoted; whoever moved the alias decided production.
    alias_moved: bool = False

    def __str__(self) -> str:
        return "; ".join(self.output.splitlines())


def _absolute(location: str | Path) -> str:
    """A local path made absolute (the CLI may run elsewhere); a URI as it is."""
    text = str(location)
    return text if "://" in text else os.path.abspath(text)


def publish(
    version_dir: str | Path,
    registry: str | Path,
    name: str | None = None,
    *,
    alias: str | None = None,
    promote_if_better: bool = False,
    major: bool = False,
    run_id: str | None = None,
    git_commit: str | None = None,
    cli: RegistryCli | None = None,
) -> Published:
    """Publish `version_dir` (a folder or gs:// prefix) as the next version of the model its
    metadata.json names in `registry` (dir or gs://); `name`, when given, must be that name.
    `run_id` (the MLflow run) and `git_commit` (the training code's) go into the lineage."""
    cli = cli or registry_cli()
    argv = [*cli.argv, "registry", "publish", _absolute(version_dir)]
    argv += ["--registry", _absolute(registry)]
    argv += ["--model", name] if name else []
    argv += ["--alias", alias] if alias else []
    argv += ["--promote-if-better"] if promote_if_better else []
    argv += ["--major"] if major else []
    argv += ["--run-id", run_id] if run_id else []
    argv += ["--git-commit", git_commit] if git_commit else []
    try:
        done = subprocess.run(argv, cwd=cli.cwd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise PipelineError(f"cannot run {cli}: {e}") from e
    # What the CLI says besides errors (e.g. retried Cloud Storage requests) is the user's too.
    for line in done.stderr.splitlines():
        if line.startswith("warning: "):
            print(line, file=sys.stderr)
    accepted = (EXIT_OK, EXIT_KEPT, EXIT_ALIAS_MOVED) if promote_if_better else (EXIT_OK,)
    if done.returncode not in accepted:
        raise PipelineError(f"registry publish failed: {_failure(done)}")
    first = done.stdout.partition("\n")[0]
    match = PUBLISHED.match(first)
    if match is None:
        raise PipelineError(f"unexpected output from {cli} registry publish: {first!r}")
    return Published(
        version=match["version"],
        location=match["location"],
        promoted=(done.returncode == EXIT_OK) if promote_if_better else None,
        output=done.stdout.strip(),
        alias_moved=done.returncode == EXIT_ALIAS_MOVED,
    )


def exit_code(published: Published | None) -> int:
    """The pipeline command's exit code for what publishing did, the CLI's own codes: 0
    promoted (or not asked to promote, or nothing published), 3 kept, 4 the alias moved."""
    if published is None or published.promoted is not False:
        return EXIT_OK
    return EXIT_ALIAS_MOVED if published.alias_moved else EXIT_KEPT


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    """One line: the CLI's `error: ...` line (its usage help follows it on exit code 2)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
    detail = errors[0] if errors else (lines[-1] if lines else "no output")
    kind = "usage error" if done.returncode == EXIT_USAGE else f"exit code {done.returncode}"
    return f"{detail} ({kind})"
