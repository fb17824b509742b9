import type { ChildProcess } from "node:child_process";
import { measure, type Measured } from "../load.js";
import { residentMb, startPinned, stop } from "../server-process.js";
import type { Lead, Peer } from "./peers.js";
import { peerVenv } from "./venv.js";

export type PeerResult =
  | { readonly rows: readonly Measured[]; readonly residentMb: number }
  | { readonly unavailable: string };

/** Golden predictions are float32 probabilities; XGBoost reproduces them to this. */
const TOLERANCE = 1e-5;

/**
 * Sets up `peer`'s venv, starts it pinned, checks that it scores `leads(100)` as the golden file
 * says, then measures batches of 1 and 100 and reads its RSS. Any failure makes the peer "not
 * available" with the reason, never a number.
 */
export async function measurePeer(
  peer: Peer,
  port: number,
  versionDir: string,
  leads: (n: number) => readonly Lead[],
  golden: (n: number) => readonly number[],
  caseName: (peer: Peer, rows: number) => string,
): Promise<PeerResult> {
  const venv = peerVenv(peer.name);
  if ("unavailable" in venv) return venv;
  let server: ChildProcess | undefined;
  try {
    const { args, ...options } = peer.command(venv.bin, port, versionDir);
    server = await startPinned(peer.name, args, `http://127.0.0.1:${port}${peer.readyPath}`, {
      ...options,
    });
    await checkPredictions(peer, port, leads(100), golden(100));
    const rows: Measured[] = [];
    for (const n of [1, 100]) {
      const body = peer.body(leads(n));
      rows.push(
        await measure({
          name: caseName(peer, n),
          port,
          method: "POST",
          path: peer.path,
          body,
          rows: n,
        }),
      );
    }
    return { rows, residentMb: residentMb(server.pid!) };
  } catch (error) {
    return { unavailable: (error as Error).message };
  } finally {
    if (server !== undefined) await stop(server);
  }
}

async function checkPredictions(
  peer: Peer,
  port: number,
  leads: readonly Lead[],
  expected: readonly number[],
): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${peer.path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: peer.body(leads),
  });
  if (!response.ok) throw new Error(`${peer.name} answered ${response.status} to a batch of 100`);
  const got = peer.predictions(await response.json());
  const wrong = expected.findIndex((p, i) => !(Math.abs((got[i] ?? Number.NaN) - p) <= TOLERANCE));
  if (got.length !== expected.length || wrong >= 0) {
    throw new Error(
      `${peer.name} does not score as golden.json: row ${wrong}, ${got[wrong]} vs ${expected[wrong]}`,
    );
  }
}
