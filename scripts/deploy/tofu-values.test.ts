import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import {
  CHART,
  HELM,
  ROOT,
  find,
  helm,
  helmTemplate,
  unavailable,
  validateObject,
} from "./manifests.js";
import { chartValues, parseTofuOutputs } from "./tofu-values.js";

/**
 * The chart's GKE values produced from `tofu output -json` (issue 21): the fixture has the shape
 * tofu prints and the names infra/terraform/environments/example declares; the chart renders
 * with the values made from it, every object validates, and each output lands where GKE reads it.
 */
const FIXTURE = path.join(ROOT, "scripts", "deploy", "fixtures", "tofu-outputs.json");
const OUTPUTS_TF = path.join(ROOT, "infra", "terraform", "environments", "example", "outputs.tf");
const GKE_VALUES = path.join(CHART, "ci", "gke-values.yaml");
const fixtureText = readFileSync(FIXTURE, "utf8");
const outputs = parseTofuOutputs(fixtureText);

/** The values file as the operator gets it: the CLI's standard output. */
function writeValuesFile(): string {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "deploy", "tofu-outputs-to-values.ts"), FIXTURE],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stderr);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tofu-values-")), "infra-values.yaml");
  writeFileSync(file, result.stdout);
  return file;
}

describe("chart values from tofu outputs", () => {
  it("has a fixture with exactly the outputs the example environment declares", () => {
    const declared = [...readFileSync(OUTPUTS_TF, "utf8").matchAll(/^output "([a-z_]+)"/gm)].map(
      (match) => match[1],
    );
    assert.deepEqual(Object.keys(JSON.parse(fixtureText) as object).sort(), declared.sort());
  });

  it("names a missing or malformed output instead of writing a partial file", () => {
    const broken = JSON.parse(fixtureText) as Record<string, { value: unknown }>;
    delete broken.certificate_name;
    broken.model_uri!.value = "s3://elsewhere/model";
    assert.throws(
      () => parseTofuOutputs(JSON.stringify(broken)),
      (error: Error) => /certificate_name/.test(error.message) && /model_uri/.test(error.message),
    );
    assert.throws(() => parseTofuOutputs("Error: no state"), /not JSON/);
  });

  it("exits 2 with the reason on outputs it cannot use", () => {
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "scripts", "deploy", "tofu-outputs-to-values.ts")],
      { cwd: ROOT, encoding: "utf8", input: "{}" },
    );
    assert.equal(result.status, 2);
    assert.match(result.stderr, /gcp_project/);
    assert.equal(result.stdout, "");
  });

  it("writes a values file that parses back to the mapping", () => {
    assert.deepEqual(parse(readFileSync(writeValuesFile(), "utf8")), chartValues(outputs));
  });
});

describe(
  "the chart rendered with values from tofu outputs",
  { skip: unavailable("helm", HELM) },
  () => {
    const infraValues = HELM ? writeValuesFile() : "";
    // The operator's production values first, then the infrastructure's, as docs/deploy.md says.
    const values = [GKE_VALUES, infraValues];

    it("passes helm lint --strict", () => {
      const result = helm([
        "lint",
        "--strict",
        CHART,
        ...values.flatMap((file) => ["--values", file]),
      ]);
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    });

    it("renders objects that all validate, with every output where GKE reads it", async () => {
      const objects = helmTemplate({ values, set: ["monitoringJob.enabled=true"] });
      for (const object of objects) await validateObject(object);

      const serviceAccount = find(objects, "ServiceAccount");
      assert.equal(
        serviceAccount.metadata.annotations?.["iam.gke.io/gcp-service-account"],
        outputs.service_account_email.value,
      );

      const ingress = find(objects, "Ingress");
      assert.equal(
        ingress.metadata.annotations?.["kubernetes.io/ingress.global-static-ip-name"],
        outputs.static_ip_name.value,
      );
      assert.equal(
        ingress.metadata.annotations?.["ingress.gcp.kubernetes.io/pre-shared-cert"],
        outputs.certificate_name.value,
      );
      assert.equal(
        ingress.metadata.annotations?.["networking.gke.io/managed-certificates"],
        undefined,
      );
      assert.equal(
        objects.find((object) => object.kind === "ManagedCertificate"),
        undefined,
      );
      const rules = (ingress.spec as { rules: { host: string }[] }).rules;
      assert.deepEqual(
        rules.map((rule) => rule.host),
        outputs.hosts.value,
      );

      const { spec } = find<{
        spec: {
          template: {
            spec: { containers: { image: string; env: { name: string; value?: string }[] }[] };
          };
        };
      }>(objects, "Deployment");
      const container = spec.template.spec.containers[0]!;
      assert.ok(container.image.startsWith(`${outputs.image_repository.value}:`), container.image);
      const env = (name: string) => container.env.find((variable) => variable.name === name)?.value;
      assert.equal(env("MODEL_URI"), outputs.model_uri.value);
      assert.equal(env("PREDICTION_LOG"), "gcs");
      assert.equal(env("PREDICTION_LOG_URI"), outputs.prediction_log_uri.value);
      assert.equal(env("GOOGLE_CLOUD_PROJECT"), outputs.gcp_project.value);

      const cronJob = find<{
        spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } };
      }>(objects, "CronJob");
      assert.equal(
        cronJob.spec.jobTemplate.spec.template.spec.serviceAccountName,
        outputs.monitoring_kubernetes_service_account.value,
      );
    });

    it("runs the retrain job as the pipeline's Google service account, through tofu's binding", () => {
      const objects = helmTemplate({
        values,
        set: [
          "retrain.enabled=true",
          "retrain.image.repository=europe-docker.pkg.dev/acme/ml/lead-scoring-pipeline",
          "retrain.data=gs://acme-crm/exports/leads.csv",
        ],
      });
      const cronJob = find<{
        spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } };
      }>(objects, "CronJob", "lead-scoring-retrain");
      const name = cronJob.spec.jobTemplate.spec.template.spec.serviceAccountName;
      // infra/terraform/environments/example binds "<service account>-pipeline" in the namespace.
      assert.equal(name, "lead-scoring-pipeline");
      const account = find(objects, "ServiceAccount", name);
      assert.equal(
        account.metadata.annotations?.["iam.gke.io/gcp-service-account"],
        outputs.pipeline_service_account_email.value,
      );
    });

    it("gives the Gateway the same address and certificate when that path is on", () => {
      const objects = helmTemplate({
        values,
        set: ["gateway.enabled=true", "ingress.enabled=false", "backendConfig.enabled=false"],
      });
      const gateway = find<{
        spec: {
          addresses: { type: string; value: string }[];
          listeners: { name: string; tls?: { options: Record<string, string> } }[];
        };
      }>(objects, "Gateway");
      assert.deepEqual(gateway.spec.addresses, [
        { type: "NamedAddress", value: outputs.static_ip_name.value },
      ]);
      const https = gateway.spec.listeners.find((listener) => listener.name === "https");
      assert.equal(
        https?.tls?.options["networking.gke.io/pre-shared-certs"],
        outputs.certificate_name.value,
      );
      // The service's route, and the http → https redirect route, both for the hosts.
      for (const name of ["lead-scoring", "lead-scoring-https-redirect"]) {
        const route = find<{ spec: { hostnames: string[] } }>(objects, "HTTPRoute", name);
        assert.deepEqual(route.spec.hostnames, outputs.hosts.value);
      }
    });
  },
);
