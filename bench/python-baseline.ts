import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package-root.js";

const DIR = path.join(PACKAGE_ROOT, "bench", "python-baseline");
const VENV = path.join(PACKAGE_ROOT, ".venv-bench");

/**
 * The Python (FastAPI + XGBoost) baseline's command line, after creating its pinned virtual
 * environment when needed; undefined, with the reason printed, where Python cannot be set up.
 */
export function pythonBaselineCommand(port: number): string[] | undefined {
  const requirements = path.join(DIR, "requirements.txt");
  const stamp = path.join(VENV, ".requirements.sha256");
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== wanted) {
    console.log("setting up the Python baseline's virtual environment (.venv-bench) …");
    const steps = [
      ["python3", "-m", "venv", VENV],
      [
        path.join(VENV, "bin", "pip"),
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
        console.log(`SKIP Python baseline: \`${[command, ...args].join(" ")}\` failed`);
        return undefined;
      }
    }
    writeFileSync(stamp, wanted);
  }
  return [
    path.join(VENV, "bin", "uvicorn"),
    "app:app",
    "--app-dir",
    DIR,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--workers",
    "1",
  ];
}
