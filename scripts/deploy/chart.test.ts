import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
  type K8sObject,
} from "./manifests.js";

/**
 * The Helm chart (run by scripts/check-deploy.sh with HELM set): lint, render with each values
 * file, reject bad values, validate every object offline, and assert what GKE operators rely
 * on: security context, probes, ports, load-balancer and Workload Identity annotations.
 */
const skip = unavailable("helm", HELM);
const GKE_VALUES = path.join(CHART, "ci", "gke-values.yaml");
const BUILTIN_VALUES = path.join(CHART, "ci", "builtin-model-values.yaml");
const FIXTURES = path.join(ROOT, "scripts", "deploy", "fixtures");

interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string }[];
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet: { path: string; port: string | number };
  periodSeconds: number;
  failureThreshold: number;
}
interface PodSpec {
  securityContext: Record<string, unknown> & { seccompProfile?: { type: string } };
  containers: Container[];
  terminationGracePeriodSeconds: number;
  serviceAccountName: string;
  volumes: { name: string; emptyDir?: object }[];
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string }[];
}
interface DeploymentSpec {
  replicas?: number;
  strategy: { type: string; rollingUpdate: { maxUnavailable: number; maxSurge: number } };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

function deployment(objects: K8sObject[]): { spec: DeploymentSpec; container: Container } {
  const { spec } = find<{ spec: DeploymentSpec }>(objects, "Deployment");
  return { spec, container: spec.template.spec.containers[0]! };
}
function env(container: Container, name: string): string | undefined {
  return container.env.find((variable) => variable.name === name)?.value;
}

describe("helm chart", { skip }, () => {
  it("passes helm lint --strict with every values file", () => {
    for (const values of [[], ["--values", GKE_VALUES], ["--values", BUILTIN_VALUES]]) {
      const result = helm(["lint", "--strict", CHART, ...values]);
      assert.equal(result.status, 0, `${values.join(" ")}\n${result.stdout}${result.stderr}`);
    }
  });

  for (const [label, values] of [
    ["default values", []],
    ["the GKE values file", [GKE_VALUES]],
    ["the built-in-model values file", [BUILTIN_VALUES]],
  ] as const) {
    it(`renders ${label} into objects that match their Kubernetes schemas`, async () => {
      const objects = helmTemplate({ values: [...values] });
      assert.ok(objects.length >= 5);
      for (const object of objects) await validateObject(object);
    });
  }

  describe("values.schema.json", () => {
    for (const file of readdirSync(FIXTURES).filter((name) => name.startsWith("bad-"))) {
      it(`makes helm reject ${file}`, () => {
        const result = helm(["template", "x", CHART, "--values", path.join(FIXTURES, file)]);
        assert.notEqual(result.status, 0, `helm accepted ${file}`);
        assert.match(result.stderr, /values don't meet the specifications of the schema/);
      });
    }

    it("describes every value in values.yaml", () => {
      const values = parse(readFileSync(path.join(CHART, "values.yaml"), "utf8")) as unknown;
      const schema = JSON.parse(
        readFileSync(path.join(CHART, "values.schema.json"), "utf8"),
      ) as Schema;
      assert.deepEqual(undescribed(values, schema, ""), [], "values without a schema description");
    });

    it("accepts the values files shipped with the chart", () => {
      for (const file of [GKE_VALUES, BUILTIN_VALUES]) {
        const result = helm(["template", "x", CHART, "--kube-version", "1.31.0", "--values", file]);
        assert.equal(result.status, 0, result.stderr);
      }
    });
  });

  it("passes the drift settings, per-field thresholds as field=threshold pairs", () => {
    if (skip) return;
    const file = path.join(mkdtempSync(path.join(tmpdir(), "chart-")), "drift.yaml");
    writeFileSync(
      file,
      "config:\n  drift:\n    windowSize: 20000\n    thresholds: { total_visits: 0.2, city: 0.5 }\n",
    );
    const { container } = deployment(helmTemplate({ values: [file] }));
    assert.equal(env(container, "MONITORING_ENABLED"), "true");
    assert.equal(env(container, "DRIFT_WINDOW_SIZE"), "20000");
    assert.equal(env(container, "DRIFT_WINDOW_SECONDS"), "3600");
    assert.equal(env(container, "DRIFT_THRESHOLD"), "0.3");
    assert.equal(env(container, "DRIFT_THRESHOLDS"), "city=0.5,total_visits=0.2");
  });

  it("refuses inconsistent shutdown and startup timings", () => {
    const cases: [string[], RegExp][] = [
      [["terminationGracePeriodSeconds=30"], /must exceed config.shutdownTimeoutSeconds/],
      [["config.drainSeconds=60"], /must exceed config.drainSeconds/],
      [["model.loadTimeoutSeconds=600"], /pod would be restarted while downloading the model/],
    ];
    for (const [set, message] of cases) {
      assert.throws(() => helmTemplate({ set }), message, set.join(" "));
    }
  });

  describe("with default values", () => {
    const objects = skip ? [] : helmTemplate();

    it("uses the standard app.kubernetes.io labels on every object", () => {
      for (const object of objects) {
        const labels = object.metadata.labels ?? {};
        for (const key of ["name", "instance", "version", "managed-by"]) {
          assert.ok(
            labels[`app.kubernetes.io/${key}`],
            `${object.kind} lacks app.kubernetes.io/${key}`,
          );
        }
        assert.ok(labels["helm.sh/chart"], `${object.kind} lacks helm.sh/chart`);
      }
    });

    it("runs the container non-root, read-only, without capabilities, with seccomp", () => {
      const { spec, container } = deployment(objects);
      const pod = spec.template.spec.securityContext;
      assert.equal(pod.runAsNonRoot, true);
      assert.equal(pod.seccompProfile?.type, "RuntimeDefault");
      assert.equal(typeof pod.runAsUser, "number");
      assert.notEqual(pod.runAsUser, 0);
      const security = container.securityContext;
      assert.equal(security.runAsNonRoot, true);
      assert.equal(security.readOnlyRootFilesystem, true);
      assert.equal(security.allowPrivilegeEscalation, false);
      assert.deepEqual(security.capabilities?.drop, ["ALL"]);
      // The one writable path.
      const tmp = container.volumeMounts.find((mount) => mount.mountPath === "/tmp");
      assert.ok(tmp);
      assert.ok(spec.template.spec.volumes.find((v) => v.name === tmp.name)?.emptyDir);
    });

    it("probes liveness, readiness and start-up on the service's health routes", () => {
      const { container } = deployment(objects);
      assert.equal(container.livenessProbe.httpGet.path, "/health/live");
      assert.equal(container.readinessProbe.httpGet.path, "/health/ready");
      assert.equal(container.startupProbe.httpGet.path, "/health/ready");
      for (const probe of [
        container.livenessProbe,
        container.readinessProbe,
        container.startupProbe,
      ]) {
        assert.equal(probe.httpGet.port, "http");
      }
      const startupBudget =
        container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
      assert.ok(startupBudget >= Number(env(container, "MODEL_LOAD_TIMEOUT_SECONDS")));
    });

    it("gives the pod longer to stop than the service needs to drain and finish", () => {
      const { spec, container } = deployment(objects);
      const drain = Number(env(container, "DRAIN_SECONDS"));
      const shutdown = Number(env(container, "SHUTDOWN_TIMEOUT_SECONDS"));
      assert.ok(drain > 0 && shutdown > drain, `drain ${drain}, shutdown ${shutdown}`);
      assert.ok(spec.template.spec.terminationGracePeriodSeconds > shutdown);
    });

    it("rolls out without lowering capacity, and spreads pods across zones", () => {
      const { spec } = deployment(objects);
      assert.equal(spec.strategy.type, "RollingUpdate");
      assert.equal(spec.strategy.rollingUpdate.maxUnavailable, 0);
      assert.ok(spec.strategy.rollingUpdate.maxSurge >= 1);
      assert.equal(spec.replicas, undefined, "the HPA owns the replica count");
      const keys = spec.template.spec.topologySpreadConstraints?.map((c) => c.topologyKey);
      assert.ok(keys?.includes("topology.kubernetes.io/zone"));
    });

    it("sets resource requests, which CPU autoscaling needs", () => {
      const { container } = deployment(objects);
      assert.ok(container.resources.requests?.cpu);
      assert.ok(container.resources.requests?.memory);
      assert.ok(container.resources.limits?.memory);
      const hpa = find<{ spec: HpaSpec }>(objects, "HorizontalPodAutoscaler");
      assert.equal(hpa.apiVersion, "autoscaling/v2");
      assert.equal(hpa.spec.metrics[0]?.resource.name, "cpu");
      assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
      find(objects, "PodDisruptionBudget");
    });

    it("serves the API and the metrics on separate ports; only the API reaches the Service", () => {
      const { container } = deployment(objects);
      const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
      assert.deepEqual(ports, { http: 8080, metrics: 9464 });
      assert.equal(env(container, "PORT"), "8080");
      assert.equal(env(container, "METRICS_PORT"), "9464");
      const service = find<{ spec: { ports: { name: string; targetPort: string }[] } }>(
        objects,
        "Service",
      );
      assert.deepEqual(
        service.spec.ports.map((p) => p.targetPort),
        ["http"],
      );
    });

    it("uses container-native load balancing with a BackendConfig probing readiness", () => {
      const service = find(objects, "Service");
      const annotations = service.metadata.annotations ?? {};
      assert.deepEqual(JSON.parse(annotations["cloud.google.com/neg"]!), { ingress: true });
      const { default: name } = JSON.parse(annotations["cloud.google.com/backend-config"]!) as {
        default: string;
      };
      const backend = find<{ spec: BackendConfigSpec }>(objects, "BackendConfig", name);
      assert.equal(backend.spec.healthCheck.requestPath, "/health/ready");
      assert.equal(backend.spec.healthCheck.port, 8080);
      assert.ok(backend.spec.timeoutSec > 0);
      assert.ok(backend.spec.connectionDraining.drainingTimeoutSec > 0);
      // A draining pod must be marked unhealthy by the load balancer before it stops listening.
      const { container } = deployment(objects);
      const { checkIntervalSec, unhealthyThreshold } = backend.spec.healthCheck;
      assert.ok(checkIntervalSec * unhealthyThreshold < Number(env(container, "DRAIN_SECONDS")));
    });

    it("admits the API from the load balancer and the namespace, metrics from monitoring", () => {
      const policy = find<{ spec: NetworkPolicySpec }>(objects, "NetworkPolicy");
      const api = policy.spec.ingress.find((rule) => rule.ports[0]?.port === "http");
      const metrics = policy.spec.ingress.find((rule) => rule.ports[0]?.port === "metrics");
      const cidrs = api?.from.map((peer) => peer.ipBlock?.cidr).filter(Boolean);
      assert.deepEqual(cidrs, ["130.211.0.0/22", "35.191.0.0/16"]);
      assert.ok(api?.from.some((peer) => peer.podSelector && !peer.namespaceSelector));
      assert.ok(metrics?.from.every((peer) => peer.namespaceSelector && !peer.ipBlock));
    });

    it("creates a service account and no Ingress or monitoring objects by default", () => {
      const { spec } = deployment(objects);
      find(objects, "ServiceAccount", spec.template.spec.serviceAccountName);
      for (const kind of ["Ingress", "PodMonitoring", "ServiceMonitor", "PrometheusRule"]) {
        assert.equal(objects.filter((o) => o.kind === kind).length, 0, kind);
      }
      assert.equal(env(deployment(objects).container, "MODEL_URI"), undefined, "built-in model");
    });

    it("has a helm test that checks the Service", () => {
      const test = objects.find((o) => o.metadata.annotations?.["helm.sh/hook"] === "test");
      assert.ok(test, "no pod with helm.sh/hook: test");
      assert.match(
        JSON.stringify(test),
        /lead-scoring:80\/health\/ready|\$\{base\}\/health\/ready/,
      );
    });

    it("gives the helm test pod labels that no Service, PDB or Deployment selects", () => {
      const test = objects.find((o) => o.metadata.annotations?.["helm.sh/hook"] === "test");
      const labels: Record<string, string> = test?.metadata.labels ?? {};
      assert.ok(Object.keys(labels).length > 0, "the test pod has labels");
      const selectors = objects.flatMap((o) => {
        const spec = (o as { spec?: { selector?: Record<string, unknown> } }).spec;
        const selector = spec?.selector;
        if (selector === undefined) return [];
        // A Service selects with a plain map; a Deployment or PDB with matchLabels.
        const map = (selector.matchLabels ?? selector) as Record<string, string>;
        return [{ kind: o.kind, map }];
      });
      assert.ok(
        selectors.some((s) => s.kind === "Service"),
        "the Service has a selector",
      );
      for (const { kind, map } of selectors) {
        const selected = Object.entries(map).every(([key, value]) => labels[key] === value);
        assert.equal(selected, false, `${kind} selects the helm test pod`);
      }
    });
  });

  describe("with the GKE values file", () => {
    const objects = skip ? [] : helmTemplate({ values: [GKE_VALUES] });

    it("follows a registry alias in GCS through Workload Identity", () => {
      const { container, spec } = deployment(objects);
      assert.match(env(container, "MODEL_URI") ?? "", /^gs:\/\/.+@production$/);
      assert.ok(Number(env(container, "MODEL_POLL_SECONDS")) > 0);
      const account = find(objects, "ServiceAccount", spec.template.spec.serviceAccountName);
      assert.match(
        account.metadata.annotations?.["iam.gke.io/gcp-service-account"] ?? "",
        /^[a-z][-a-z0-9]+@[-a-z0-9]+\.iam\.gserviceaccount\.com$/,
      );
    });

    it("puts a gce Ingress with static IP, managed certificate and HTTPS redirect in front", () => {
      const ingress = find(objects, "Ingress");
      const annotations = ingress.metadata.annotations ?? {};
      assert.equal(annotations["kubernetes.io/ingress.class"], "gce");
      assert.ok(annotations["kubernetes.io/ingress.global-static-ip-name"]);
      const certificate = find<{ spec: { domains: string[] } }>(
        objects,
        "ManagedCertificate",
        annotations["networking.gke.io/managed-certificates"],
      );
      assert.deepEqual(certificate.spec.domains, ["leads.acme.example"]);
      const frontend = find<{ spec: { redirectToHttps: { enabled: boolean } } }>(
        objects,
        "FrontendConfig",
        annotations["networking.gke.io/v1beta1.FrontendConfig"],
      );
      assert.equal(frontend.spec.redirectToHttps.enabled, true);
      const backend = find<{ spec: { securityPolicy?: { name: string } } }>(
        objects,
        "BackendConfig",
      );
      assert.equal(backend.spec.securityPolicy?.name, "lead-scoring-armor");
      const service = find(objects, "Service", "lead-scoring");
      assert.match(JSON.stringify(ingress.spec), /"name":"lead-scoring","port":\{"name":"http"\}/);
      assert.ok(service.metadata.annotations?.["cloud.google.com/neg"]);
    });

    it("scrapes the metrics port only, with GMP or the Prometheus Operator", () => {
      const podMonitoring = find<{ spec: { endpoints: { port: string }[] } }>(
        objects,
        "PodMonitoring",
      );
      assert.deepEqual(
        podMonitoring.spec.endpoints.map((e) => e.port),
        ["metrics"],
      );
      const serviceMonitor = find<{ spec: { endpoints: { port: string }[] } }>(
        objects,
        "ServiceMonitor",
      );
      assert.deepEqual(
        serviceMonitor.spec.endpoints.map((e) => e.port),
        ["metrics"],
      );
      const metricsService = find<{ spec: { ports: { name: string }[] } }>(
        objects,
        "Service",
        "lead-scoring-metrics",
      );
      assert.deepEqual(
        metricsService.spec.ports.map((p) => p.name),
        ["metrics"],
      );
      assert.equal(metricsService.metadata.annotations?.["cloud.google.com/neg"], undefined);
    });

    it("alerts on error rate, p99 latency, model not ready and reload failures", () => {
      const rule = find<{ spec: { groups: { rules: { alert: string; expr: string }[] }[] } }>(
        objects,
        "PrometheusRule",
      );
      const alerts = new Map(
        rule.spec.groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]),
      );
      assert.match(
        alerts.get("LeadScoringHighErrorRate") ?? "",
        /lead_scoring_http_requests_total\{[^}]*status_code=~"5\.\."/,
      );
      assert.match(
        alerts.get("LeadScoringHighLatencyP99") ?? "",
        /histogram_quantile\(0\.99,[\s\S]*lead_scoring_http_request_duration_seconds_bucket/,
      );
      assert.match(alerts.get("LeadScoringModelNotReady") ?? "", /lead_scoring_model_info/);
      assert.match(
        alerts.get("LeadScoringModelReloadFailures") ?? "",
        /lead_scoring_model_reload_failures_total/,
      );
      for (const expr of alerts.values()) assert.match(expr, /namespace="lead-scoring"/);
    });
  });
});

interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  metrics: { resource: { name: string } }[];
}
interface BackendConfigSpec {
  timeoutSec: number;
  connectionDraining: { drainingTimeoutSec: number };
  healthCheck: {
    requestPath: string;
    port: number;
    checkIntervalSec: number;
    unhealthyThreshold: number;
  };
}
interface NetworkPolicyPeer {
  ipBlock?: { cidr: string };
  podSelector?: object;
  namespaceSelector?: object;
}
interface NetworkPolicySpec {
  ingress: { ports: { port: string }[]; from: NetworkPolicyPeer[] }[];
}

interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
}

/** Paths in values.yaml whose schema entry is missing or has no description. */
function undescribed(value: unknown, schema: Schema | undefined, at: string): string[] {
  if (at !== "" && !schema?.description) return [at];
  if (
    schema?.properties === undefined ||
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value)
  ) {
    return [];
  }
  return Object.entries(value).flatMap(([key, child]) =>
    undescribed(child, schema.properties?.[key], at === "" ? key : `${at}.${key}`),
  );
}
