import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package-root.js";

/** Where the peers' virtual environments live (gitignored); one per peer, made on first use. */
export const VENVS_DIR = path.join(PACKAGE_ROOT, "bench", ".venvs");

export type Venv = { readonly bin: string } | { readonly unavailable: string };

/**
 * The `bin/` directory of `peer`'s virtual environment, created (or re-created when
 * bench/peers/<peer>/requirements.txt changed) with exactly those pins; or why it cannot be.
 * The pins were resolved for Python 3.11, the pipeline's Python (BENCH_PYTHON overrides `python3`).
 */
export function peerVenv(peer: string): Venv {
  const requirements = path.join(PACKAGE_ROOT, "bench", "peers", peer, "requirements.txt");
  const venv = path.join(VENVS_DIR, peer);
  const stamp = path.join(venv, ".requirements.sha256");
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== wanted) {
    console.log(
      `setting up ${peer}'s virtual environment (${path.relative(PACKAGE_ROOT, venv)}) …`,
    );
    const steps = [
      [process.env.BENCH_PYTHON ?? "python3", "-m", "venv", "--clear", venv],
      [
        path.join(venv, "bin", "pip"),
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        requirements,
      ],
    ];
    for (const [command, ...args] of steps) {
      const result = spawnSync(command!, args, { stdio: "inherit" });
      if (result.status !== 0) {
        return { unavailable: `\`${[command, ...args].join(" ")}\` failed (${result.status})` };
      }
    }
    writeFileSync(stamp, wanted);
  }
  return { bin: path.join(venv, "bin") };
}
