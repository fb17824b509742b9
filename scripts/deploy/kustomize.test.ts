import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  HELM,
  KUSTOMIZE,
  helmTemplate,
  kustomize,
  unavailable,
  validateObject,
  type K8sObject,
} from "./manifests.js";
import { BASE_SET, withoutHelm } from "./write-k8s.js";

/**
 * k8s/ for users without Helm: kustomize renders it, every object matches its schema, and it is
 * the chart's defaults (base: without the GKE parts) to the last field, Helm's labels aside.
 */
const skip = unavailable("kustomize", KUSTOMIZE) ?? unavailable("helm", HELM);

function byKindAndName(objects: K8sObject[]): Map<string, K8sObject> {
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
}

function assertSameObjects(actual: K8sObject[], expected: K8sObject[]): void {
  const a = byKindAndName(actual);
  const e = byKindAndName(expected);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort());
  for (const [key, object] of e) {
    assert.deepEqual(
      a.get(key),
      object,
      `${key} differs: regenerate k8s/ (scripts/deploy/write-k8s.ts)`,
    );
  }
}

describe("k8s/ manifests", { skip }, () => {
  for (const [directory, set] of [
    ["k8s/overlays/gke", []],
    ["k8s/base", BASE_SET],
  ] as const) {
    it(`${directory} renders objects that match their Kubernetes schemas`, async () => {
      const objects = kustomize(directory);
      assert.ok(objects.length >= 6);
      for (const object of objects) await validateObject(object);
    });

    it(`${directory} equals the chart's default rendering${set.length ? ` with ${set.join(", ")}` : ""}`, () => {
      assertSameObjects(kustomize(directory), withoutHelm(helmTemplate({ set: [...set] })));
    });
  }

  it("keeps the GKE overlay's Service on container-native load balancing", () => {
    const service = kustomize("k8s/overlays/gke").find((o) => o.kind === "Service")!;
    assert.ok(service.metadata.annotations?.["cloud.google.com/neg"]);
    assert.ok(service.metadata.annotations?.["cloud.google.com/backend-config"]);
  });
});
