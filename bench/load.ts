/**
 * One bench case: autocannon against one server route, after a warm-up, with the figures the
 * tables print. Every server (ours, the baselines, the peers) is driven by this same function.
 */
import autocannon from "autocannon";

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;

export interface Case {
  readonly name: string;
  readonly port: number;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  /** Rows (leads) scored or explained per request, to report rows per second. */
  readonly rows: number;
  /** Extra request headers (an API key). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Measured {
  readonly case: string;
  readonly "req/s": number;
  readonly "rows/s": number;
  readonly "p50 ms": number;
  readonly "p99 ms": number;
}

export async function measure(c: Case): Promise<Measured> {
  const options = {
    url: `http://127.0.0.1:${c.port}${c.path}`,
    method: c.method,
    headers: { "content-type": "application/json", ...c.headers },
    body: c.body,
    connections: CONNECTIONS,
  };
  // Warm-up (JIT, caches), not recorded: the first second runs at a third of the steady rate.
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const result = await autocannon({ ...options, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${c.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return {
    case: c.name,
    "req/s": Math.round(result.requests.average),
    "rows/s": Math.round(result.requests.average * c.rows),
    "p50 ms": result.latency.p50,
    "p99 ms": result.latency.p99,
  };
}
