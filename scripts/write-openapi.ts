import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { renderOpenApiYaml } from "./openapi.js";

const target = path.join(PACKAGE_ROOT, "openapi.yaml");
await writeFile(target, await renderOpenApiYaml());
console.log(`wrote ${target}`);
