/**
 * The HTTP ceiling the service is measured against: a bare Fastify server whose `POST /predict`
 * parses the same JSON body the service gets and answers a constant, so the service/ceiling ratio
 * measures the service's own work (validation, encoding, scoring, logs, metrics, monitoring), not
 * GET against POST. `GET /` stays as the figure earlier runs published (no body at all).
 */
import Fastify from "fastify";

const CONSTANT = { predictions: [0.5] };

const app = Fastify();
app.get("/", () => ({ hello: "world" }));
app.post("/predict", () => CONSTANT);
await app.listen({ port: Number(process.env.PORT ?? 8095), host: "127.0.0.1" });
console.log("ceiling server ready");
