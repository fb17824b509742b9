/**
 * The serving stacks users compare us with, each started from its own pinned virtual environment
 * on the same core as our service and sent the same leads in its own protocol. FastAPI gets raw
 * leads and preprocesses them as our service does; MLServer's and KServe's XGBoost runtimes take
 * numeric features only, so they get the golden rows' float32 feature vectors and do less work
 * per lead than our service (no field validation, no encoding): each peer's `note`, printed under
 * the table, says so.
 */
import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import type { PinnedOptions } from "../server-process.js";

/** A golden row: the raw lead and the feature vector the preprocessor makes of it. */
export interface Lead {
  readonly instance: Readonly<Record<string, unknown>>;
  readonly features: readonly number[];
}

export interface Peer {
  /** The venv and folder name under bench/peers/, and the row label. */
  readonly name: string;
  readonly note: string;
  readonly path: string;
  /** The server command line, given the venv's bin/, the port and the model version dir. */
  command(bin: string, port: number, versionDir: string): { args: string[] } & PinnedOptions;
  readonly readyPath: string;
  body(leads: readonly Lead[]): string;
  /** The probabilities in a response, to check the peer scores as the golden file says. */
  predictions(response: unknown): number[];
}

const MODEL = "lead-scoring";
const PEERS_DIR = path.join(PACKAGE_ROOT, "bench", "peers");

const fastapi: Peer = {
  name: "fastapi",
  note: "FastAPI + XGBoost (uvicorn[standard], 1 worker): pydantic validation and the pipeline's preprocessing per lead",
  path: "/predict",
  command: (bin, port, versionDir) => ({
    args: [
      ...[path.join(bin, "uvicorn"), "app:app", "--app-dir", path.join(PEERS_DIR, "fastapi")],
      ...["--host", "127.0.0.1", "--port", String(port), "--workers", "1"],
      ...["--loop", "uvloop", "--http", "httptools"],
    ],
    env: { MODEL_DIR: versionDir },
  }),
  readyPath: "/health",
  body: (leads) => JSON.stringify({ instances: leads.map((lead) => lead.instance) }),
  predictions: (response) => (response as { predictions: number[] }).predictions,
};

/**
 * MLServer as its docs deploy it, less what would distort a one-core run: `parallel_workers: 0`
 * scores in the server process (the default, 1, adds a worker process and a queue hop on the
 * same core); `debug: false` as in production. Its metrics server stays on, as ours does.
 */
const mlserver: Peer = {
  name: "mlserver",
  note: "MLServer + mlserver-xgboost, V2 FP32 tensor of preprocessed features (no validation or encoding)",
  path: `/v2/models/${MODEL}/infer`,
  command: (bin, port, versionDir) => {
    // A model repository of the committed settings beside the version's xgboost.json; MLServer
    // also writes its .metrics/ and .envs/ there rather than into the work tree.
    const repository = mkdtempSync(path.join(tmpdir(), "lead-scoring-bench-mlserver-"));
    for (const file of ["settings.json", "model-settings.json"]) {
      cpSync(path.join(PEERS_DIR, "mlserver", file), path.join(repository, file));
    }
    symlinkSync(path.join(versionDir, "xgboost.json"), path.join(repository, "xgboost.json"));
    return {
      args: [path.join(bin, "mlserver"), "start", repository],
      cwd: repository,
      env: {
        MLSERVER_HTTP_PORT: String(port),
        MLSERVER_GRPC_PORT: String(port + 1),
        MLSERVER_METRICS_PORT: String(port + 2),
      },
      timeoutMs: 180_000,
    };
  },
  readyPath: `/v2/models/${MODEL}/ready`,
  body: (leads) =>
    JSON.stringify({
      inputs: [
        {
          name: "features",
          shape: [leads.length, leads[0]!.features.length],
          datatype: "FP32",
          data: leads.flatMap((lead) => lead.features),
        },
      ],
    }),
  predictions: (response) => (response as { outputs: { data: number[] }[] }).outputs[0]!.data,
};

/**
 * KServe's ModelServer with its defaults (uvloop when installed, 1 worker, access log on), less
 * the gRPC server (not driven here) and the per-request latency log lines, so it logs one line
 * per request as our service does.
 */
const kserve: Peer = {
  name: "kserve",
  note: "KServe ModelServer, xgbserver's predict over V1, preprocessed feature rows (no validation or encoding)",
  path: `/v1/models/${MODEL}:predict`,
  command: (bin, port, versionDir) => ({
    args: [
      ...[path.join(bin, "python"), path.join(PEERS_DIR, "kserve", "server.py")],
      ...["--model_name", MODEL, "--model_file", path.join(versionDir, "xgboost.json")],
      ...["--http_port", String(port), "--enable_grpc", "false"],
      ...["--enable_latency_logging", "false"],
    ],
    timeoutMs: 180_000,
  }),
  readyPath: `/v1/models/${MODEL}`,
  body: (leads) => JSON.stringify({ instances: leads.map((lead) => lead.features) }),
  predictions: (response) => (response as { predictions: number[] }).predictions,
};

export const PEERS: readonly Peer[] = [fastapi, mlserver, kserve];
