import { pino } from "pino";

type Destination = ReturnType<typeof pino.destination>;

let destination: Destination | undefined;

/**
 * The process's one writer to fd 1. Every stdout line the service writes (both Fastify apps'
 * pino loggers and the prediction log's stdout sink) goes through this single sonic-boom buffer.
 * Two writers would each own fd 1: sonic-boom splits a long buffer at `maxWrite` and a pipe may
 * take a write only in part, so another writer's line could land inside one of ours and Cloud
 * Logging would get two broken entries. One buffer keeps every line whole and in order.
 */
export function stdoutDestination(): Destination {
  // Lines are gathered into writes of at least 4 KiB (pino's asynchronous-logging advice), or
  // whatever 100 ms brought: one write per request was the request path's largest native cost.
  // Asynchronous on purpose: a synchronous write would stall the event loop, and so every
  // request, whenever the reader of stdout falls behind (a full pipe); this buffers instead.
  // pino.destination flushes at exit, so only a SIGKILL can lose the last 100 ms of lines.
  destination ??= pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 });
  return destination;
}

/**
 * Appends whole lines to stdout and resolves once the buffer they joined has been written out
 * (sonic-boom emits `drain` when it is empty), so a caller flushing before exit can wait for it.
 */
export function writeStdoutLines(text: string): Promise<void> {
  const out = stdoutDestination();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      out.off("drain", done);
      out.off("error", done);
      if (error === undefined) resolve();
      else reject(error);
    };
    out.once("drain", done);
    out.once("error", done);
    out.write(text);
  });
}
