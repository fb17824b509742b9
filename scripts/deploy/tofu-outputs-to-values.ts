import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import { chartValues, parseTofuOutputs } from "./tofu-values.js";

/**
 * `tofu output -json` (infra/terraform/environments/example) → the chart's infrastructure values:
 *   tofu -chdir=infra/terraform/environments/example output -json |
 *     npx tsx scripts/deploy/tofu-outputs-to-values.ts > infra-values.yaml
 *   helm install lead-scoring helm/lead-scoring -f my-values.yaml -f infra-values.yaml
 * Reads the file named as its argument, or standard input. Exit 2 on outputs it cannot use.
 */
const source = process.argv[2] ?? 0;
try {
  const values = chartValues(parseTofuOutputs(readFileSync(source, "utf8")));
  process.stdout.write(
    `# Written by scripts/deploy/tofu-outputs-to-values.ts from tofu output -json; do not edit.\n${stringify(values)}`,
  );
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 2;
}
