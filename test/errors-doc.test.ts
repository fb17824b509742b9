import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { renderErrorsDoc } from "../scripts/errors-doc.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { ERROR_CODES } from "../src/protocols/error-catalog.js";

describe("docs/errors.md", () => {
  it("is generated from the error catalog (npm run errors-doc)", async () => {
    const committed = await readFile(path.join(PACKAGE_ROOT, "docs", "errors.md"), "utf8");
    assert.equal(
      committed,
      await renderErrorsDoc(),
      "docs/errors.md is stale: run `npm run errors-doc`",
    );
    for (const code of ERROR_CODES) assert.match(committed, new RegExp(`\\| \`${code}\` +\\|`));
  });
});
