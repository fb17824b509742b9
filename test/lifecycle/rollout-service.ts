import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import { AliasFollower } from "../../src/lifecycle/alias-follower.js";
import { ModelSet } from "../../src/lifecycle/model-set.js";
import { RolloutFollower } from "../../src/lifecycle/rollout-follower.js";
import { CANDIDATE, RolloutPlan } from "../../src/lifecycle/rollout-plan.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import type { Registry } from "../../src/registry/registry.js";
import { Rollouts } from "../../src/registry/rollouts.js";
import { captureLog } from "../support/capture-log.js";

/**
 * One replica in process, wired as server.ts wires it, following `registry`'s production alias
 * and its rollout; polls happen only when a test calls `poll()`, so the test decides when the
 * replica sees a change.
 */
export async function rolloutReplica(registry: Registry, replica = "replica-a") {
  const { log, lines } = captureLog();
  const config = loadConfig({ LOG_LEVEL: "silent" });
  const metrics = new Metrics({ processMetrics: false, drift: config.drift });
  const models = new ModelSet(metrics);
  const plan = new RolloutPlan(models.holder(CANDIDATE));
  const aliases = new AliasFollower({
    registry,
    alias: "production",
    holder: models.holder(),
    threads: 1,
    observer: metrics,
    log,
  });
  const rollouts = new Rollouts(registry);
  const follower = new RolloutFollower({
    rollouts,
    plan,
    threads: 1,
    observer: metrics,
    log,
    replica,
  });
  await aliases.loadInitial();
  await follower.check();
  const dataPlane = new DataPlane(models.holder(), config, metrics, { rollout: plan });
  const app = await buildApp({ config, dataPlane, metrics });
  await app.ready();
  const poll = async () => {
    await aliases.check();
    await follower.check();
  };
  const close = async () => {
    await app.close();
    await models.close();
  };
  return { app, plan, follower, rollouts, metrics, models, lines, poll, close };
}
