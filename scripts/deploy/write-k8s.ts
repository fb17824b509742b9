import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { ROOT, helmTemplate, type K8sObject } from "./manifests.js";

/**
 * Writes k8s/ (plain manifests for users without Helm) from the chart's default values, so the
 * two never drift: k8s/base is the portable part, k8s/overlays/gke adds what GKE's load balancer
 * needs. The deploy checks render both with kustomize and compare them with `helm template`.
 * Run after changing the chart:  HELM=helm npx tsx scripts/deploy/write-k8s.ts
 */

/** Labels only Helm sets; kustomize users have no release. */
const HELM_ONLY_LABELS = ["helm.sh/chart", "app.kubernetes.io/managed-by"];

export function withoutHelm(objects: K8sObject[]): K8sObject[] {
  return objects
    .filter((object) => object.metadata.annotations?.["helm.sh/hook"] === undefined)
    .map((object) => {
      const copy = structuredClone(object);
      const strip = (labels?: Record<string, string>) => {
        for (const label of HELM_ONLY_LABELS) delete labels?.[label];
      };
      strip(copy.metadata.labels);
      const template = (
        copy.spec as { template?: { metadata?: { labels?: Record<string, string> } } }
      )?.template;
      strip(template?.metadata?.labels);
      return copy;
    });
}

/** The chart's defaults without the GKE-only parts: the kustomize base. */
export const BASE_SET = ["backendConfig.enabled=false", "service.neg=false"];

const HEADER = (what: string) =>
  `# ${what}\n# Generated from helm/lead-scoring's default values by scripts/deploy/write-k8s.ts: edit the\n# chart and regenerate (the deploy checks fail when this file and the chart disagree).\n`;

function fileName(object: K8sObject): string {
  return `${object.kind.toLowerCase()}.yaml`;
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function main(): void {
  const k8s = path.join(ROOT, "k8s");
  rmSync(k8s, { recursive: true, force: true });
  const gke = withoutHelm(helmTemplate());
  const base = withoutHelm(helmTemplate({ set: BASE_SET }));

  for (const object of base) {
    delete object.metadata.namespace; // set once, by the kustomization
    write(
      path.join(k8s, "base", fileName(object)),
      HEADER(`${object.kind} (portable base)`) + stringify(object, { lineWidth: 0 }),
    );
  }
  write(
    path.join(k8s, "base", "kustomization.yaml"),
    HEADER("Portable base: no GKE custom resources, so it applies to any cluster.") +
      stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: "lead-scoring",
        resources: base.map(fileName),
      }),
  );

  const extra = gke.filter(
    (o) => !base.some((b) => b.kind === o.kind && b.metadata.name === o.metadata.name),
  );
  for (const object of extra) {
    delete object.metadata.namespace;
    write(
      path.join(k8s, "overlays", "gke", fileName(object)),
      HEADER(`${object.kind} (GKE)`) + stringify(object, { lineWidth: 0 }),
    );
  }
  const service = gke.find((o) => o.kind === "Service")!;
  write(
    path.join(k8s, "overlays", "gke", "kustomization.yaml"),
    HEADER(
      "GKE: the base plus container-native load balancing (NEG) and a BackendConfig. Set your image\n# with `kustomize edit set image lead-scoring=REGISTRY/lead-scoring:TAG`, the Workload Identity\n# annotation on the ServiceAccount, and MODEL_URI, in an overlay of your own on top of this one.",
    ) +
      stringify(
        {
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
          namespace: "lead-scoring",
          resources: ["../../base", ...extra.map(fileName)],
          patches: [
            {
              target: { kind: "Service", name: service.metadata.name },
              patch: stringify(
                [
                  {
                    op: "add",
                    path: "/metadata/annotations",
                    value: service.metadata.annotations,
                  },
                ],
                { lineWidth: 0 },
              ),
            },
          ],
        },
        { lineWidth: 0 },
      ),
  );
  execFileSync("npx", ["prettier", "--log-level", "warn", "--write", "k8s"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) main();
