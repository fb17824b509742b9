/**
 * Runs `poll` every interval, one at a time: a tick or a `check()` while a poll is in progress
 * joins that poll instead of starting another. What every poller shares (the alias follower,
 * the monitoring report's poller, the API keys file's watcher). The timer never keeps the process alive.
 */
export class PollTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  /** `poll` must not reject: each poller reports its own failures. */
  constructor(private readonly poll: () => Promise<void>) {}

  /** Starts polling every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One poll; concurrent calls share the poll in progress. */
  check(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
