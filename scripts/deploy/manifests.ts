import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parse, parseAllDocuments } from "yaml";

/** Helpers of the deploy checks: render the chart or the kustomization, validate each object. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CHART = path.join(ROOT, "helm", "lead-scoring");
/** Kubernetes version to render for: `go install`ed helm reports v1.20 otherwise. */
export const KUBE_VERSION = "1.31.0";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Why a tool-based test cannot run here, or undefined when it can; in CI it must run. */
export function unavailable(tool: string, command: string | undefined): string | undefined {
  if (command) return undefined;
  if (process.env.CI === "true") throw new Error(`${tool} is required in CI (see .ci/run)`);
  return `${tool} not installed`;
}

export const HELM = process.env.HELM || undefined;
export const KUSTOMIZE = process.env.KUSTOMIZE || undefined;
export const PROMTOOL = process.env.PROMTOOL || undefined;

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors[0]!.message);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const result = spawnSync(HELM!, args, { cwd: ROOT, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` of the chart; throws with helm's message when rendering fails. */
export function helmTemplate(
  options: { release?: string; namespace?: string; values?: string[]; set?: string[] } = {},
): K8sObject[] {
  const args = [
    "template",
    options.release ?? "lead-scoring",
    CHART,
    "--namespace",
    options.namespace ?? "lead-scoring",
    "--kube-version",
    KUBE_VERSION,
    ...(options.values ?? []).flatMap((file) => ["--values", file]),
    ...(options.set ?? []).flatMap((value) => ["--set", value]),
  ];
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(" ")}\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export function kustomize(directory: string): K8sObject[] {
  const [command, ...args] = KUSTOMIZE!.split(" ");
  return parseManifests(
    execFileSync(command!, [...args, path.join(ROOT, directory)], { cwd: ROOT, encoding: "utf8" }),
  );
}

/** Models of kubernetes-models and its GKE / Prometheus Operator packages, by apiVersion. */
const MODEL_PACKAGES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "batch/v1": "kubernetes-models/batch/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "cloud.google.com/v1": "@kubernetes-models/gke/cloud.google.com/v1",
  "networking.gke.io/v1": "@kubernetes-models/gke/networking.gke.io/v1",
  "networking.gke.io/v1beta1": "@kubernetes-models/gke/networking.gke.io/v1beta1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

/**
 * Custom resources that kubernetes-models lacks are validated against their CRD's
 * openAPIV3Schema (vendored in crds/), made strict: an unknown field is an error, as with
 * `kubectl apply --validate=strict`, instead of being pruned silently.
 */
const CRD_FILES: Record<string, string> = {
  "monitoring.googleapis.com/v1/PodMonitoring": "monitoring.googleapis.com_podmonitorings.yaml",
  "monitoring.googleapis.com/v1/Rules": "monitoring.googleapis.com_rules.yaml",
  "gateway.networking.k8s.io/v1/Gateway": "gateway.networking.k8s.io_gateways.yaml",
  "gateway.networking.k8s.io/v1/HTTPRoute": "gateway.networking.k8s.io_httproutes.yaml",
};

/** Subschemas that only constrain their parent's properties (oneOf branches and the like). */
const COMBINATORS = new Set(["oneOf", "anyOf", "allOf", "not"]);

function strict(schema: unknown, constraintOnly = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => strict(item, constraintOnly));
  if (schema === null || typeof schema !== "object") return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-kubernetes-")) continue;
    result[key] = strict(value, COMBINATORS.has(key));
  }
  const node = schema as Record<string, unknown>;
  if (
    !constraintOnly &&
    node.properties !== undefined &&
    node.additionalProperties === undefined &&
    node["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    result.additionalProperties = false;
  }
  // Kubernetes' int-or-string, which plain JSON Schema cannot express.
  if (node["x-kubernetes-int-or-string"] === true) {
    delete result.type;
    result.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  return result;
}

const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(key: string): ValidateFunction | undefined {
  const file = CRD_FILES[key];
  if (file === undefined) return undefined;
  let validate = crdValidators.get(key);
  if (validate === undefined) {
    const crd = parse(readFileSync(path.join(ROOT, "scripts", "deploy", "crds", file), "utf8")) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
    };
    const version = key.split("/").at(-2);
    const schema = crd.spec.versions.find((v) => v.name === version)!.schema.openAPIV3Schema;
    validate = new Ajv({ allErrors: true, strict: false }).compile(strict(schema) as object);
    crdValidators.set(key, validate);
  }
  return validate;
}

/** Validates one object against its schema; throws naming the object and the first errors. */
export async function validateObject(object: K8sObject): Promise<void> {
  const where = `${object.apiVersion}/${object.kind} ${object.metadata?.name}`;
  const key = `${object.apiVersion}/${object.kind}`;
  const crd = crdValidator(key);
  if (crd !== undefined) {
    if (!crd(object)) throw new Error(`${where}: ${JSON.stringify(crd.errors?.slice(0, 5))}`);
    return;
  }
  const packageName = MODEL_PACKAGES[object.apiVersion];
  if (packageName === undefined) throw new Error(`${where}: no schema known for ${key}`);
  const models = (await import(packageName)) as Record<string, new (data: unknown) => unknown>;
  const Model = models[object.kind];
  if (Model === undefined) throw new Error(`${where}: ${packageName} has no ${object.kind}`);
  const instance = new Model(object) as { validate: () => void };
  try {
    instance.validate();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

export function find<T = Record<string, unknown>>(
  objects: K8sObject[],
  kind: string,
  name?: string,
): K8sObject & T {
  const matches = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${matches.length}`);
  }
  return matches[0] as K8sObject & T;
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export type RuleGroups = { name: string; rules: Rule[] }[];

/** The rule groups of the GMP Rules object that the chart renders (templates/_rules.tpl). */
export function renderedRuleGroups(set: string[] = [], values: string[] = []): RuleGroups {
  const objects = helmTemplate({ set: ["gmpRules.enabled=true", ...set], values });
  return find<{ spec: { groups: RuleGroups } }>(objects, "Rules").spec.groups;
}
