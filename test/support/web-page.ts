import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildWeb } from "../../web/build.js";

let built: Promise<string> | undefined;

/**
 * The web page and widget built by web/build.ts into a directory of this test process's own
 * (test files run in parallel; each builds once), for buildTestApp's webRoot.
 */
export function builtWebPage(): Promise<string> {
  built ??= (async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "lead-scoring-web-"));
    await buildWeb(directory, { quiet: true });
    return directory;
  })();
  return built;
}
