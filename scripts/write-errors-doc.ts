import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { renderErrorsDoc } from "./errors-doc.js";

const target = path.join(PACKAGE_ROOT, "docs", "errors.md");
await writeFile(target, await renderErrorsDoc());
console.log(`wrote ${target}`);
