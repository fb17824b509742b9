import { Type, type Static, type TSchema } from "typebox";
import { Compile } from "typebox/compile";

/**
 * The Helm chart's GKE values that come from the infrastructure, computed from
 * `tofu output -json` of infra/terraform/environments/example. The result is a values file to
 * pass after the operator's own (`-f my-values.yaml -f infra-values.yaml`), so that what the
 * infrastructure decided (names, accounts, URIs) wins over a copied example.
 */

/** One entry of `tofu output -json`: {"name": {"sensitive": false, "type": "string", "value": ...}}. */
const output = <T extends TSchema>(value: T) =>
  Type.Object({
    value,
    sensitive: Type.Optional(Type.Boolean()),
    type: Type.Optional(Type.Unknown()),
  });
const text = output(Type.String({ minLength: 1 }));
const gsUri = output(Type.String({ pattern: "^gs://[^/]+(/.*)?$" }));

const TofuOutputs = Type.Object({
  gcp_project: text,
  image_repository: text,
  model_uri: gsUri,
  prediction_log_uri: gsUri,
  service_account_email: text,
  monitoring_kubernetes_service_account: text,
  pipeline_service_account_email: text,
  static_ip_name: text,
  certificate_name: text,
  hosts: output(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
});
export type TofuOutputs = Static<typeof TofuOutputs>;

const checkOutputs = Compile(TofuOutputs);

/** The outputs, checked: a missing or malformed output is named in the error. */
export function parseTofuOutputs(json: string): TofuOutputs {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`tofu output -json: not JSON (${(error as Error).message})`);
  }
  if (!checkOutputs.Check(value)) {
    const problems = [...checkOutputs.Errors(value)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || "/"} ${e.message}`);
    throw new Error(`tofu output -json: ${problems.join("; ")}`);
  }
  return value;
}

/** The chart values (keys as in helm/lead-scoring/values.yaml) that the outputs determine. */
export function chartValues(outputs: TofuOutputs) {
  const hosts = outputs.hosts.value;
  return {
    image: { repository: outputs.image_repository.value },
    model: { uri: outputs.model_uri.value },
    config: { gcpProject: outputs.gcp_project.value },
    serviceAccount: { gcpServiceAccount: outputs.service_account_email.value },
    // The service account may create objects under this prefix only (service-identities).
    predictionLog: { sink: "gcs", uri: outputs.prediction_log_uri.value },
    monitoringJob: { serviceAccountName: outputs.monitoring_kubernetes_service_account.value },
    // The retrain job's own Kubernetes account (the chart's <fullname>-pipeline, the name tofu
    // binds) acts as the pipeline's Google service account: the one that writes the registry.
    retrain: {
      serviceAccount: { gcpServiceAccount: outputs.pipeline_service_account_email.value },
    },
    // The certificate is a Compute Engine one made by tofu (pre-shared), not the chart's
    // ManagedCertificate object: turn that off, or both would claim the hosts.
    ingress: {
      enabled: true,
      staticIpName: outputs.static_ip_name.value,
      hosts,
      managedCertificate: { enabled: false },
      preSharedCerts: [outputs.certificate_name.value],
    },
    // The same address and certificate serve the Gateway API path when it is turned on instead.
    gateway: {
      staticIpName: outputs.static_ip_name.value,
      hosts,
      preSharedCerts: [outputs.certificate_name.value],
    },
  };
}
