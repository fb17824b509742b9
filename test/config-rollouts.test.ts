import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("rollout configuration", () => {
  it("defaults: rollouts followed, a queue of 1000, agreement at 0.5, guardrails every 5 s", () => {
    assert.deepEqual(loadConfig({}).rollouts, {
      enabled: true,
      shadowQueueSize: 1000,
      decisionThreshold: 0.5,
      guardrailCheckSeconds: 5,
    });
  });

  it("reads each variable", () => {
    const config = loadConfig({
      ROLLOUTS_ENABLED: "false",
      SHADOW_QUEUE_SIZE: "50",
      SHADOW_DECISION_THRESHOLD: "0.3",
      ROLLOUT_GUARDRAIL_CHECK_SECONDS: "0.5",
    });
    assert.deepEqual(config.rollouts, {
      enabled: false,
      shadowQueueSize: 50,
      decisionThreshold: 0.3,
      guardrailCheckSeconds: 0.5,
    });
  });

  for (const [name, value] of [
    ["SHADOW_QUEUE_SIZE", "0"],
    ["SHADOW_DECISION_THRESHOLD", "1.5"],
    ["ROLLOUT_GUARDRAIL_CHECK_SECONDS", "0"],
    ["ROLLOUTS_ENABLED", "maybe"],
  ] as const) {
    it(`refuses ${name}=${value}, naming it`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error) => error instanceof ConfigError && error.message.includes(name),
      );
    });
  }
});
