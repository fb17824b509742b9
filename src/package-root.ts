import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding package.json and models/. This file runs as src/package-root.ts (tsx)
 * or as dist/src/package-root.js (compiled), so the root is the nearest ancestor with a
 * package.json.
 */
function findPackageRoot(start: string): string {
  let directory = start;
  while (!existsSync(path.join(directory, "package.json"))) {
    const parent = path.dirname(directory);
    if (parent === directory) return start;
    directory = parent;
  }
  return directory;
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
