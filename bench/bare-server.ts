/**
 * A baseline the service is measured against, in the same run: a bare Fastify + ONNX Runtime
 * route (`POST /predict` that encodes nothing, runs the default model on all-zero feature rows and answers
 * their scores): no validation, metrics or logging. The HTTP ceiling is ceiling-server.ts.
 */
import Fastify from "fastify";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";

const versionDir = process.argv[2];
if (versionDir === undefined) throw new Error("usage: bare-server.ts <model version dir>");
const metadata = JSON.parse(await readFile(path.join(versionDir, "metadata.json"), "utf8")) as {
  onnx: { input: string; output: string; n_features: number };
};
const session = await InferenceSession.create(path.join(versionDir, "model.onnx"), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const width = metadata.onnx.n_features;

const app = Fastify();
app.get("/health", () => "ready");
app.post("/predict", async (request) => {
  const rows = (request.body as { instances: unknown[] }).instances.length;
  const input = new Tensor("float32", new Float32Array(rows * width), [rows, width]);
  const result = await session.run({ [metadata.onnx.input]: input }, [metadata.onnx.output]);
  const data = result[metadata.onnx.output]?.data as Float32Array;
  return { predictions: Array.from({ length: rows }, (_, i) => data[i * 2 + 1]) };
});
await app.listen({ port: Number(process.env.PORT ?? 8090), host: "127.0.0.1" });
console.log("bare server ready");
