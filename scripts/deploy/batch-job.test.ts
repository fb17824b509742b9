import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHART, HELM, find, helm, helmTemplate, unavailable, validateObject } from "./manifests.js";

/**
 * The chart's opt-in batch scoring Indexed Job (batchScoring in values.yaml): rendered, validated
 * against the Kubernetes schema like the other manifests, and what makes it resumable asserted.
 */
const skip = unavailable("helm", HELM);

interface JobSpec {
  completionMode: string;
  completions: number;
  parallelism: number;
  backoffLimit: number;
  podFailurePolicy: { rules: { action: string; onExitCodes?: { values: number[] } }[] };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      restartPolicy: string;
      serviceAccountName: string;
      containers: {
        name: string;
        image: string;
        command: string[];
        args: string[];
        env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
        securityContext: Record<string, unknown>;
      }[];
    };
  };
}

const SET = [
  "batchScoring.enabled=true",
  "batchScoring.input=gs://acme-crm/exports/leads.csv",
  "batchScoring.output=gs://acme-crm/scores/leads.jsonl",
  "batchScoring.completions=8",
  "batchScoring.parallelism=3",
  "batchScoring.explainTopK=3",
  "model.uri=gs://acme-ml-models/registry/lead-scoring@production",
];

describe("helm chart: the batch scoring Indexed Job", { skip }, () => {
  const objects = skip ? [] : helmTemplate({ set: SET });
  const job = () => find<{ spec: JobSpec }>(objects, "Job").spec;
  const container = () => job().template.spec.containers[0]!;

  it("is off by default", () => {
    assert.equal(
      helmTemplate().find((object) => object.kind === "Job"),
      undefined,
    );
  });

  it("renders objects that match their Kubernetes schemas and passes helm lint", async () => {
    for (const object of objects) await validateObject(object);
    const result = helm(["lint", "--strict", CHART, ...SET.flatMap((value) => ["--set", value])]);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it("runs shard JOB_COMPLETION_INDEX of completions, Indexed, with the values' URIs", () => {
    const spec = job();
    assert.equal(spec.completionMode, "Indexed");
    assert.equal(spec.completions, 8);
    assert.equal(spec.parallelism, 3);
    const { command, args, env } = container();
    assert.deepEqual(command, ["lead-scoring"]);
    assert.deepEqual(args, [
      "score",
      "--input",
      "gs://acme-crm/exports/leads.csv",
      "--output",
      "gs://acme-crm/scores/leads.jsonl",
      "--shard",
      "$(JOB_COMPLETION_INDEX)/8",
      "--explain",
      "3",
    ]);
    const index = env.find((variable) => variable.name === "JOB_COMPLETION_INDEX");
    assert.equal(
      index?.valueFrom?.fieldRef.fieldPath,
      "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    );
    // Declared before use: Kubernetes expands $(VAR) only from variables defined earlier.
    assert.equal(env.indexOf(index), 0);
    const modelUri = env.find((variable) => variable.name === "MODEL_URI")?.value;
    assert.equal(modelUri, "gs://acme-ml-models/registry/lead-scoring@production");
    // bench/batch.ts measures the command with the same flag.
    const nodeOptions = env.find((variable) => variable.name === "NODE_OPTIONS")?.value;
    assert.equal(nodeOptions, "--max-semi-space-size=4");
  });

  it("fails at once on a usage error, retries errors, runs as the serving pods", () => {
    const spec = job();
    assert.equal(spec.template.spec.restartPolicy, "Never");
    assert.ok(spec.backoffLimit > 0);
    const [usage] = spec.podFailurePolicy.rules;
    assert.equal(usage?.action, "FailJob");
    assert.deepEqual(usage?.onExitCodes?.values, [2]);
    const server = find<{ spec: { template: { spec: JobSpec["template"]["spec"] } } }>(
      objects,
      "Deployment",
    ).spec.template.spec;
    assert.equal(container().image, server.containers[0]!.image);
    assert.deepEqual(container().securityContext, server.containers[0]!.securityContext);
    assert.equal(job().template.spec.serviceAccountName, server.serviceAccountName);
    assert.equal(job().template.metadata.labels["app.kubernetes.io/component"], "batch-scoring");
  });

  it("refuses to render without input and output, or with a non-gs:// one", () => {
    assert.throws(
      () => helmTemplate({ set: ["batchScoring.enabled=true"] }),
      /batchScoring.enabled needs batchScoring.input and batchScoring.output/,
    );
    assert.throws(
      () => helmTemplate({ set: [...SET, "batchScoring.output=/local/scores.jsonl"] }),
      /batchScoring/,
    );
  });
});
