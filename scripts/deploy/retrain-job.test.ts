import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHART, HELM, find, helm, helmTemplate, unavailable, validateObject } from "./manifests.js";

/**
 * The chart's opt-in retrain CronJob (retrain in values.yaml): rendered, validated against the
 * Kubernetes schema like the other manifests, and its least privilege asserted: its own service
 * account, never the serving pods'.
 */
const skip = unavailable("helm", HELM);

interface PodSpec {
  restartPolicy: string;
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  containers: {
    name: string;
    image: string;
    command: string[];
    args: string[];
    env: { name: string; value?: string }[];
    resources: { requests: Record<string, string> };
    securityContext: Record<string, unknown>;
  }[];
}

interface CronJobSpec {
  schedule: string;
  concurrencyPolicy: string;
  jobTemplate: {
    spec: {
      backoffLimit: number;
      podFailurePolicy: { rules: { action: string; onExitCodes?: { values: number[] } }[] };
      template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    };
  };
}

const PIPELINE_GSA = "lead-scoring-pipeline@acme.iam.gserviceaccount.com";
const SET = [
  "retrain.enabled=true",
  "retrain.image.repository=europe-docker.pkg.dev/acme/ml/lead-scoring-pipeline",
  "retrain.image.tag=2.3.0",
  "retrain.data=gs://acme-crm/exports/leads.csv",
  "retrain.scheduleDays=14",
  `retrain.serviceAccount.gcpServiceAccount=${PIPELINE_GSA}`,
  "model.uri=gs://acme-ml-models/registry/lead-scoring@production",
];

describe("helm chart: the retrain CronJob", { skip }, () => {
  const objects = skip ? [] : helmTemplate({ set: SET });
  const cronJob = () => find<{ spec: CronJobSpec }>(objects, "CronJob");
  const pod = () => cronJob().spec.jobTemplate.spec.template.spec;
  const container = () => pod().containers[0]!;

  it("is off by default", () => {
    assert.equal(
      helmTemplate().find((object) => object.kind === "CronJob"),
      undefined,
    );
  });

  it("renders objects that match their Kubernetes schemas and passes helm lint", async () => {
    for (const object of objects) await validateObject(object);
    const result = helm(["lint", "--strict", CHART, ...SET.flatMap((value) => ["--set", value])]);
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it("runs `python -m pipeline retrain --if-requested` on model.uri's registry, one at a time", () => {
    const { spec } = cronJob();
    assert.equal(spec.schedule, "47 4 * * *");
    assert.equal(spec.concurrencyPolicy, "Forbid");
    const { image, command, args } = container();
    assert.equal(image, "europe-docker.pkg.dev/acme/ml/lead-scoring-pipeline:2.3.0");
    assert.deepEqual(command, ["python", "-m", "pipeline"]);
    assert.deepEqual(args, [
      "retrain",
      "--registry",
      "gs://acme-ml-models/registry",
      "--name",
      "lead-scoring",
      "--data",
      "gs://acme-crm/exports/leads.csv",
      "--if-requested",
      "--schedule-days",
      "14",
      "--lock-minutes",
      "15",
      "--",
      "--preset",
      "lead-scoring",
    ]);
    // "kept production" (3), "the alias moved meanwhile" (4) and usage errors (2) are answers:
    // never retried.
    const [answers] = cronJob().spec.jobTemplate.spec.podFailurePolicy.rules;
    assert.equal(answers?.action, "FailJob");
    assert.deepEqual(answers?.onExitCodes?.values, [2, 3, 4]);
  });

  it("runs as its own account, bound to the pipeline's Google service account, not the service's", () => {
    const server = find<{ spec: { template: { spec: PodSpec } } }>(objects, "Deployment").spec
      .template.spec;
    assert.notEqual(pod().serviceAccountName, server.serviceAccountName);
    assert.equal(pod().serviceAccountName, "lead-scoring-pipeline");
    const account = find(objects, "ServiceAccount", pod().serviceAccountName);
    assert.equal(account.metadata.annotations?.["iam.gke.io/gcp-service-account"], PIPELINE_GSA);
    assert.equal(pod().automountServiceAccountToken, false);
    assert.deepEqual(container().securityContext, server.containers[0]!.securityContext);
    assert.equal(pod().restartPolicy, "Never");
    assert.equal(
      cronJob().spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/component"],
      "retrain",
    );
  });

  it("refuses to render without its data, image or a gs:// registry, or on the service's account", () => {
    const without = (prefix: string) => SET.filter((value) => !value.startsWith(prefix));
    assert.throws(() => helmTemplate({ set: without("retrain.data") }), /needs retrain.data/);
    assert.throws(
      () => helmTemplate({ set: without("retrain.image.repository") }),
      /needs retrain.image.repository/,
    );
    assert.throws(
      () =>
        helmTemplate({
          set: [...SET, "model.uri=gs://acme-ml-models/registry/lead-scoring/1.0.0"],
        }),
      /retrain.enabled needs a registry in Cloud Storage/,
    );
    assert.throws(
      () => helmTemplate({ set: [...SET, "retrain.serviceAccount.name=lead-scoring"] }),
      /must differ from the serving pods' service account/,
    );
  });
});
