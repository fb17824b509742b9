/**
 * The cost of a shadow rollout (issue 16): `/predict` req/s of the production command line with
 * a shadow candidate scoring 100 % of requests, as a ratio of the same service without one
 * (target ≥ 80 % with the compiled scorer), and the resident memory each holds after the run
 * (the extra loaded version). Both follow one disk registry; the one without a candidate has
 * ROLLOUTS_ENABLED=false. Runs are interleaved (with, without, without, with, …) so a change in
 * the machine's speed weighs on both sides alike. Timings are reported, never asserted.
 *
 *   npm run build && taskset -c 1 node --import tsx bench/rollout.ts
 *
 * `npm run bench` calls benchRollout() at its end.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Registry } from "../src/registry/registry.js";
import { Rollouts } from "../src/registry/rollouts.js";
import { FileStore } from "../src/storage/file-store.js";
import { builtInGolden, builtInVersionDir } from "../test/support/app.js";
import { measure, type Case } from "./load.js";
import { residentMb, startService, stop } from "./server-process.js";

const SHADOW_PORT = 18130;
const PLAIN_PORT = 18131;

export interface RolloutBench {
  readonly withShadow: number;
  readonly without: number;
  readonly rssWithShadowMb: number;
  readonly rssWithoutMb: number;
}

export async function benchRollout(): Promise<RolloutBench> {
  const root = mkdtempSync(path.join(tmpdir(), "lead-scoring-bench-rollout-"));
  const servers: ChildProcess[] = [];
  try {
    const registry = new Registry(new FileStore(root), "lead-scoring");
    await registry.publish(new FileStore(builtInVersionDir()));
    await registry.publish(new FileStore(builtInVersionDir()));
    await registry.promote("1.0.0", "production");
    await new Rollouts(registry).start({ candidate: "1.0.1", mode: "shadow", shadowSampling: 1 });
    const start = async (name: string, port: number, rollouts: boolean) => {
      const child = await startService(name, port, {
        MODEL_URI: `${root}/lead-scoring@production`,
        ROLLOUTS_ENABLED: String(rollouts),
      });
      servers.push(child);
      return child;
    };
    const shadowed = await start("service-shadow", SHADOW_PORT, true);
    const plain = await start("service-no-shadow", PLAIN_PORT, false);
    const body = JSON.stringify({ instances: [builtInGolden().rows[0]!.instance] });
    const predict = (name: string, port: number): Case => ({
      name,
      port,
      method: "POST",
      path: "/predict",
      body,
      rows: 1,
    });
    const sums = { with: 0, without: 0 };
    for (const side of ["with", "without", "without", "with"] as const) {
      const c =
        side === "with" ? predict("shadow 100 %", SHADOW_PORT) : predict("no shadow", PLAIN_PORT);
      sums[side] += (await measure(c))["req/s"];
    }
    return {
      withShadow: Math.round(sums.with / 2),
      without: Math.round(sums.without / 2),
      rssWithShadowMb: residentMb(shadowed.pid!),
      rssWithoutMb: residentMb(plain.pid!),
    };
  } finally {
    await Promise.all(servers.map(stop));
    rmSync(root, { recursive: true, force: true });
  }
}

export function printRolloutBench(result: RolloutBench): void {
  const ratio = result.withShadow / result.without;
  console.log(
    `/predict, 1 lead, shadow candidate at 100 % sampling: ${result.withShadow} req/s vs ` +
      `${result.without} without, ${(ratio * 100).toFixed(1)} % (target ≥ 80 %); ` +
      `RSS ${result.rssWithShadowMb.toFixed(0)} MB with the candidate loaded vs ` +
      `${result.rssWithoutMb.toFixed(0)} MB`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printRolloutBench(await benchRollout());
}
