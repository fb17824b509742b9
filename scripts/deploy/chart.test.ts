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
  image: string;
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

  it("passes the scorer choice as SCORER, auto by default", () => {
    if (skip) return;
    assert.equal(env(deployment(helmTemplate({})).container, "SCORER"), "auto");
    const onnx = deployment(helmTemplate({ set: ["config.scorer=onnx"] }));
    assert.equal(env(onnx.container, "SCORER"), "onnx");
  });

  describe("with API keys enabled", () => {
    const objects = skip
      ? []
      : helmTemplate({
          set: [
            "apiKeys.enabled=true",
            "apiKeys.existingSecret=crm-keys",
            "rateLimit.max=600",
            "docs=off",
          ],
        });

    it("mounts the Secret read-only as a directory and points API_KEYS_FILE into it", () => {
      const { spec, container } = deployment(objects);
      const volume = spec.template.spec.volumes.find((v) => v.name === "api-keys") as
        { secret?: { secretName: string; items: { key: string; path: string }[] } } | undefined;
      assert.equal(volume?.secret?.secretName, "crm-keys");
      assert.deepEqual(volume?.secret?.items, [{ key: "keys.yaml", path: "keys.yaml" }]);
      const mount = container.volumeMounts.find((m) => m.name === "api-keys") as
        { mountPath: string; readOnly?: boolean; subPath?: string } | undefined;
      assert.equal(mount?.readOnly, true);
      // A subPath mount never sees a Secret update: keys could not rotate.
      assert.equal(mount?.subPath, undefined);
      assert.equal(env(container, "API_KEYS_FILE"), `${mount?.mountPath}/keys.yaml`);
      assert.equal(env(container, "API_KEYS_POLL_SECONDS"), "5");
      assert.equal(env(container, "RATE_LIMIT_MAX"), "600");
      assert.equal(env(container, "RATE_LIMIT_WINDOW"), "1 minute");
      assert.equal(env(container, "DOCS"), "off");
    });

    it("sets no key file, no limit and open docs by default", () => {
      const { spec, container } = deployment(helmTemplate({}));
      assert.equal(env(container, "API_KEYS_FILE"), undefined);
      assert.equal(env(container, "RATE_LIMIT_MAX"), undefined);
      assert.equal(env(container, "DOCS"), undefined); // the service's default: on
      assert.ok(!spec.template.spec.volumes.some((v) => v.name === "api-keys"));
    });

    it("puts Identity-Aware Proxy on the BackendConfig when asked, with its OAuth client", async () => {
      const withIap = helmTemplate({
        set: ["backendConfig.iap.enabled=true", "backendConfig.iap.oauthClientSecret=iap-client"],
      });
      const config = find<{ spec: { iap?: object } }>(withIap, "BackendConfig");
      assert.deepEqual(config.spec.iap, {
        enabled: true,
        oauthclientCredentials: { secretName: "iap-client" },
      });
      await validateObject(config);
      assert.throws(
        () => helmTemplate({ set: ["backendConfig.iap.enabled=true"] }),
        /oauthClientSecret/,
      );
    });

    it("is on in the GKE values, with the docs for admin keys only", () => {
      const { container } = deployment(helmTemplate({ values: [GKE_VALUES] }));
      assert.ok(env(container, "API_KEYS_FILE"));
      assert.equal(env(container, "DOCS"), "admin");
    });
  });

  describe("with the monitoring job enabled", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "chart-")), "monitoring.yaml");
    writeFileSync(
      file,
      [
        "predictionLog: { sink: gcs, uri: gs://acme-ml-log/prediction-log }",
        "config: { drift: { threshold: 0.25, thresholds: { total_visits: 0.2 } } }",
        "monitoringJob: { enabled: true, minOutcomes: 50, mlflowTrackingUri: http://mlflow:5000 }",
      ].join("\n"),
    );
    const objects = skip ? [] : helmTemplate({ values: [GKE_VALUES, file] });
    const cronJob = () => find<{ spec: CronJobSpec }>(objects, "CronJob");
    const job = () => cronJob().spec.jobTemplate.spec;
    const container = () => job().template.spec.containers[0]!;

    it("renders a CronJob that matches its Kubernetes schema", async () => {
      for (const object of objects) await validateObject(object);
      const result = helm(["lint", "--strict", CHART, "--values", GKE_VALUES, "--values", file]);
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    });

    it("runs `lead-scoring monitor` over the schedule's period, one run at a time", () => {
      const { spec } = cronJob();
      assert.equal(spec.schedule, "17 3 * * *");
      assert.equal(spec.concurrencyPolicy, "Forbid");
      assert.ok(spec.successfulJobsHistoryLimit > 0 && spec.failedJobsHistoryLimit > 0);
      const { command, args } = container();
      assert.deepEqual(command, ["lead-scoring"]); // on PATH: scripts/deploy/check-image.sh
      assert.deepEqual(args, [
        "monitor",
        "--log",
        "$(PREDICTION_LOG_URI)",
        "--registry",
        "$(REGISTRY_URI)",
        "--model",
        "lead-scoring",
        "--since",
        "24h",
        "--lookback",
        "30d",
        "--min-outcomes",
        "50",
      ]);
    });

    it("reads the serving pods' log and registry with their thresholds", () => {
      const job = container();
      assert.equal(env(job, "PREDICTION_LOG_URI"), "gs://acme-ml-log/prediction-log");
      // The registry of model.uri, gs://acme-ml-models/registry/lead-scoring@production.
      assert.equal(env(job, "REGISTRY_URI"), "gs://acme-ml-models/registry");
      assert.equal(env(job, "MLFLOW_TRACKING_URI"), "http://mlflow:5000");
      const { container: server } = deployment(objects);
      for (const name of ["DRIFT_THRESHOLD", "DRIFT_THRESHOLDS"]) {
        assert.equal(env(job, name), env(server, name), name);
      }
      assert.equal(env(job, "DRIFT_THRESHOLDS"), "total_visits=0.2");
    });

    it("fails the Job at once on an alert (exit 3), retries errors, ignores disruptions", () => {
      const spec = job();
      assert.equal(spec.template.spec.restartPolicy, "Never");
      assert.ok(spec.backoffLimit > 0, "errors are retried");
      const [alert, disruption] = spec.podFailurePolicy.rules;
      assert.equal(alert?.action, "FailJob");
      assert.deepEqual(alert?.onExitCodes, {
        containerName: container().name,
        operator: "In",
        values: [2, 3],
      });
      assert.equal(disruption?.action, "Ignore");
      assert.deepEqual(disruption?.onPodConditions, [{ type: "DisruptionTarget", status: "True" }]);
    });

    it("runs as the serving pods do: same image, account, security context, read-only", () => {
      const pod = job().template.spec;
      const { spec, container: server } = deployment(objects);
      assert.equal(pod.serviceAccountName, spec.template.spec.serviceAccountName);
      assert.deepEqual(pod.securityContext, spec.template.spec.securityContext);
      assert.deepEqual(container().securityContext, server.securityContext);
      assert.equal(container().image, server.image);
      assert.ok(container().resources.requests?.memory && container().resources.limits?.memory);
      const tmp = container().volumeMounts.find((mount) => mount.mountPath === "/tmp");
      assert.ok(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir);
    });

    it("is never selected by the serving pods' Service, PDB or NetworkPolicy", () => {
      const labels = job().template.metadata.labels;
      const selectors = [
        find<{ spec: { selector: Record<string, string> } }>(objects, "Service", "lead-scoring")
          .spec.selector,
        find<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
          objects,
          "PodDisruptionBudget",
        ).spec.selector.matchLabels,
        find<{ spec: { podSelector: { matchLabels: Record<string, string> } } }>(
          objects,
          "NetworkPolicy",
        ).spec.podSelector.matchLabels,
      ];
      for (const selector of selectors) {
        const matches = Object.entries(selector).every(([key, value]) => labels[key] === value);
        assert.equal(matches, false, JSON.stringify(selector));
      }
      // The serving pods keep the QUALITY_REPORT_POLL_SECONDS that exports the job's output.
      assert.equal(env(deployment(objects).container, "QUALITY_REPORT_POLL_SECONDS"), "60");
    });

    it("refuses to render without a registry or a prediction log in Cloud Storage", () => {
      const cases: [string[], string[], RegExp][] = [
        [[], ["monitoringJob.enabled=true"], /needs a registry in Cloud Storage/],
        [
          [GKE_VALUES],
          ["monitoringJob.enabled=true", "predictionLog.sink=stdout"],
          /needs the prediction log in Cloud Storage/,
        ],
      ];
      for (const [values, set, message] of cases) {
        assert.throws(() => helmTemplate({ values, set }), message, set.join(" "));
      }
      const own = helmTemplate({
        set: [
          "monitoringJob.enabled=true",
          "monitoringJob.registryUri=gs://other/registry",
          "monitoringJob.model=churn",
          "monitoringJob.predictionLogUri=gs://other/log",
          "monitoringJob.serviceAccountName=monitor",
        ],
      });
      const pod = find<{ spec: CronJobSpec }>(own, "CronJob").spec.jobTemplate.spec.template.spec;
      assert.equal(env(pod.containers[0]!, "REGISTRY_URI"), "gs://other/registry");
      assert.equal(env(pod.containers[0]!, "PREDICTION_LOG_URI"), "gs://other/log");
      assert.ok(pod.containers[0]!.args.includes("churn"));
      assert.equal(pod.serviceAccountName, "monitor");
    });
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
      // Not readiness: a pod waiting for its alias is not ready, and must not be restarted.
      assert.equal(container.startupProbe.httpGet.path, "/health/live");
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
      for (const kind of [
        "Ingress",
        "PodMonitoring",
        "ServiceMonitor",
        "PrometheusRule",
        "Rules",
        "CronJob",
      ]) {
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

    it("scrapes the metrics port with GMP and alerts with GMP Rules, on stock GKE CRDs only", () => {
      const podMonitoring = find<{ spec: { endpoints: { port: string }[] } }>(
        objects,
        "PodMonitoring",
      );
      assert.deepEqual(
        podMonitoring.spec.endpoints.map((e) => e.port),
        ["metrics"],
      );
      const rules = find<{ spec: RulesSpec }>(objects, "Rules");
      assert.equal(rules.apiVersion, "monitoring.googleapis.com/v1");
      const alerts = rules.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert);
      assert.ok(alerts.length > 0);
      for (const alert of alerts) assert.equal(alert.labels?.team, "ml-platform", alert.alert);
      const coreos = objects.filter((o) => o.apiVersion.startsWith("monitoring.coreos.com/"));
      assert.deepEqual(
        coreos.map((o) => o.kind),
        [],
        "Prometheus Operator kinds on stock GKE",
      );
    });
  });

  describe("with the Prometheus Operator opted in", () => {
    const set = ["serviceMonitor.enabled=true", "prometheusRule.enabled=true"];
    const objects = skip ? [] : helmTemplate({ values: [GKE_VALUES], set });

    it("scrapes the metrics port through a headless Service without a NEG", () => {
      const serviceMonitor = find<{ spec: { endpoints: { port: string }[] } }>(
        objects,
        "ServiceMonitor",
      );
      assert.equal(serviceMonitor.apiVersion, "monitoring.coreos.com/v1");
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

    it("renders the same rule groups in the PrometheusRule as in GMP's Rules", async () => {
      const operator = find<{ spec: RulesSpec }>(objects, "PrometheusRule");
      assert.equal(operator.apiVersion, "monitoring.coreos.com/v1");
      assert.deepEqual(
        operator.spec.groups,
        find<{ spec: RulesSpec }>(objects, "Rules").spec.groups,
      );
      for (const object of objects) await validateObject(object);
    });
  });
});

describe("helm chart, Gateway API path", { skip }, () => {
  const set = [
    "gateway.enabled=true",
    "gateway.staticIpName=lead-scoring-ip",
    "gateway.preSharedCerts={lead-scoring-cert}",
    "gateway.hosts={leads.acme.example}",
  ];
  const objects = skip ? [] : helmTemplate({ values: [GKE_VALUES], set });

  it("renders a Gateway, an HTTPRoute and GKE's policies that match their schemas", async () => {
    for (const kind of ["Gateway", "HealthCheckPolicy", "GCPBackendPolicy"]) {
      await validateObject(find(objects, kind));
    }
    assert.equal(objects.filter((o) => o.kind === "HTTPRoute").length, 2);
    for (const object of objects) await validateObject(object);
  });

  it("validates the Gateway API kinds strictly: an unknown field is refused", async () => {
    const route = structuredClone(find(objects, "HTTPRoute", "lead-scoring"));
    (route.spec as Record<string, unknown>).backendRef = [];
    await assert.rejects(validateObject(route), /additionalProperties|backendRef/);
  });

  it("routes the hosts from a global external Gateway to the Service", () => {
    const gateway = find<{ spec: GatewaySpec }>(objects, "Gateway");
    assert.equal(gateway.spec.gatewayClassName, "gke-l7-global-external-managed");
    assert.deepEqual(gateway.spec.addresses, [{ type: "NamedAddress", value: "lead-scoring-ip" }]);
    const https = gateway.spec.listeners.find((l) => l.protocol === "HTTPS");
    assert.equal(https?.tls?.options?.["networking.gke.io/pre-shared-certs"], "lead-scoring-cert");
    const route = find<{ spec: HttpRouteSpec }>(objects, "HTTPRoute", "lead-scoring");
    assert.deepEqual(route.spec.parentRefs, [
      { name: gateway.metadata.name, sectionName: "https" },
    ]);
    assert.deepEqual(route.spec.hostnames, ["leads.acme.example"]);
    const service = find<{ spec: { ports: { port: number }[] } }>(
      objects,
      "Service",
      "lead-scoring",
    );
    assert.deepEqual(route.spec.rules[0]?.backendRefs, [
      { name: service.metadata.name, port: service.spec.ports[0]?.port },
    ]);
  });

  it("redirects http to https with a 301 from the load balancer, unless told not to", () => {
    const redirect = find<{ spec: HttpRouteSpec }>(
      objects,
      "HTTPRoute",
      "lead-scoring-https-redirect",
    );
    assert.deepEqual(redirect.spec.parentRefs, [{ name: "lead-scoring", sectionName: "http" }]);
    assert.deepEqual(redirect.spec.hostnames, ["leads.acme.example"]);
    assert.deepEqual(redirect.spec.rules, [
      {
        filters: [
          { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
        ],
      },
    ]);
    const plain = helmTemplate({ set: [...set, "gateway.redirectHttpToHttps=false"] });
    assert.deepEqual(
      plain.filter((o) => o.kind === "HTTPRoute").map((o) => o.metadata.name),
      ["lead-scoring"],
    );
    const route = find<{ spec: HttpRouteSpec }>(plain, "HTTPRoute");
    assert.deepEqual(route.spec.parentRefs, [{ name: "lead-scoring" }]);
  });

  it("health-checks readiness and drains the pods like the BackendConfig does", () => {
    const { container } = deployment(objects);
    const health = find<{ spec: PolicySpec<HealthCheckDefaults> }>(objects, "HealthCheckPolicy");
    assert.deepEqual(health.spec.targetRef, { group: "", kind: "Service", name: "lead-scoring" });
    assert.equal(health.spec.default.config.type, "HTTP");
    assert.equal(health.spec.default.config.httpHealthCheck.requestPath, "/health/ready");
    assert.equal(health.spec.default.config.httpHealthCheck.port, 8080);
    const { checkIntervalSec, unhealthyThreshold } = health.spec.default;
    assert.ok(checkIntervalSec * unhealthyThreshold < Number(env(container, "DRAIN_SECONDS")));
    const backend = find<{ spec: PolicySpec<BackendDefaults> }>(objects, "GCPBackendPolicy");
    assert.deepEqual(backend.spec.targetRef, health.spec.targetRef);
    assert.ok(backend.spec.default.timeoutSec > 0);
    assert.ok(backend.spec.default.connectionDraining.drainingTimeoutSec > 0);
    assert.equal(backend.spec.default.logging.enabled, true);
  });

  it("attaches to an existing Gateway instead of creating one", () => {
    const attached = helmTemplate({
      set: [
        "gateway.enabled=true",
        "gateway.create=false",
        "gateway.name=shared",
        "gateway.namespace=infra",
      ],
    });
    assert.equal(attached.filter((o) => o.kind === "Gateway").length, 0);
    const route = find<{ spec: HttpRouteSpec }>(attached, "HTTPRoute");
    assert.deepEqual(route.spec.parentRefs, [{ name: "shared", namespace: "infra" }]);
    assert.throws(
      () => helmTemplate({ set: ["gateway.enabled=true", "gateway.create=false"] }),
      /set gateway.name/,
    );
  });
});

interface GatewaySpec {
  gatewayClassName: string;
  addresses?: { type: string; value: string }[];
  listeners: { protocol: string; tls?: { options?: Record<string, string> } }[];
}
interface HttpRouteSpec {
  parentRefs: { name: string; namespace?: string; sectionName?: string }[];
  hostnames?: string[];
  rules: { backendRefs?: { name: string; port: number }[]; filters?: unknown[] }[];
}
interface PolicySpec<Defaults> {
  targetRef: { group: string; kind: string; name: string };
  default: Defaults;
}
interface HealthCheckDefaults {
  checkIntervalSec: number;
  unhealthyThreshold: number;
  config: { type: string; httpHealthCheck: { port: number; requestPath: string } };
}
interface BackendDefaults {
  timeoutSec: number;
  connectionDraining: { drainingTimeoutSec: number };
  logging: { enabled: boolean };
}

interface RulesSpec {
  groups: {
    name: string;
    rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string> }[];
  }[];
}
interface CronJobSpec {
  schedule: string;
  concurrencyPolicy: string;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  jobTemplate: {
    spec: {
      backoffLimit: number;
      podFailurePolicy: {
        rules: {
          action: string;
          onExitCodes?: object;
          onPodConditions?: object[];
        }[];
      };
      template: {
        metadata: { labels: Record<string, string> };
        spec: PodSpec & {
          restartPolicy: string;
          containers: (Container & { command: string[]; args: string[] })[];
        };
      };
    };
  };
}
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
