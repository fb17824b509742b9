import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { find, HELM, helmTemplate, unavailable } from "./manifests.js";

interface Container {
  env: { name: string; value?: string }[];
}

const skip = unavailable("helm", HELM);

/** The rollout settings of the pod (the `rollouts:` block of values.yaml), by variable. */
function rolloutEnv(rollouts?: object): Record<string, string | undefined> {
  // A values file, not --set: helm's --set reads 0.25 as a string, which the schema refuses.
  const dir = mkdtempSync(path.join(tmpdir(), "lead-scoring-chart-rollouts-"));
  const values = path.join(dir, "values.json");
  writeFileSync(values, JSON.stringify(rollouts === undefined ? {} : { rollouts }));
  let objects;
  try {
    objects = helmTemplate({ values: [values] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { spec } = find<{ spec: { template: { spec: { containers: Container[] } } } }>(
    objects,
    "Deployment",
  );
  const env = spec.template.spec.containers[0]!.env;
  return Object.fromEntries(
    env
      .filter(({ name }) => /^(ROLLOUTS?_|SHADOW_)/.test(name))
      .map(({ name, value }) => [name, value]),
  );
}

describe("helm chart: rollouts", { skip }, () => {
  it("renders nothing with the defaults, which are the service's own", () => {
    assert.deepEqual(rolloutEnv(), {});
  });

  it("renders each setting that differs", () => {
    assert.deepEqual(
      rolloutEnv({
        enabled: false,
        shadowQueueSize: 50,
        decisionThreshold: 0.25,
        guardrailCheckSeconds: 2,
      }),
      {
        ROLLOUTS_ENABLED: "false",
        SHADOW_QUEUE_SIZE: "50",
        SHADOW_DECISION_THRESHOLD: "0.25",
        ROLLOUT_GUARDRAIL_CHECK_SECONDS: "2",
      },
    );
  });
});
