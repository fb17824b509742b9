import type { FastifyBaseLogger } from "fastify";
import { ArtifactError, describeError } from "../../errors.js";
import { PollTimer } from "../../poll-timer.js";
import { artifactParser } from "../../model/parse-artifact.js";
import { joinPath, type ArtifactStore, type Versioned } from "../../storage/store.js";
import { LATEST_REPORT_PATH, LatestReportSchema, type LatestReport } from "../quality/latest.js";
import type { QualityGauges } from "./gauges.js";

/** Compiled once: latest.json comes from a bucket, so it is validated like any input. */
const parseLatestReport = artifactParser(LatestReportSchema);

export interface QualityReportPollerOptions {
  /** The registry's store: the same one the alias is followed in. */
  readonly store: ArtifactStore;
  /** The served model: only its own `<model>/monitoring/latest.json` is read. */
  readonly model: string;
  readonly gauges: QualityGauges;
  readonly log: Pick<FastifyBaseLogger, "info" | "warn">;
}

/**
 * Keeps the quality gauges on the monitoring job's latest.json. Like the alias follower it reads
 * the file's generation first and the file only when that changed. A file that is not the job's
 * format, or cannot be read, is counted and logged once (per file, per outage), and the last good
 * figures stay; an absent file means no series. Nothing here touches serving or readiness.
 */
export class QualityReportPoller {
  private readonly path: string;
  private seenGeneration: string | undefined;
  /** The failure last logged, so a bad file or an outage is logged once, not at every poll. */
  private warned: string | undefined;
  private readonly polling = new PollTimer(() => this.poll());

  constructor(private readonly options: QualityReportPollerOptions) {
    this.path = joinPath(options.model, LATEST_REPORT_PATH);
  }

  /** Checks now, then every `intervalMs`. The timer never keeps the process alive. */
  start(intervalMs: number): void {
    void this.check();
    this.polling.start(intervalMs);
  }

  /** Stops polling and waits for a check in progress. */
  stop(): Promise<void> {
    return this.polling.stop();
  }

  /** One poll; concurrent calls share the check in progress. Never rejects. */
  check(): Promise<void> {
    return this.polling.check();
  }

  private get location(): string {
    return `${this.options.store.location}/${this.path}`;
  }

  private async poll(): Promise<void> {
    const { gauges } = this.options;
    let found: Versioned | undefined;
    try {
      const generation = await this.options.store.generation(this.path);
      if (generation !== undefined && generation === this.seenGeneration) return;
      found =
        generation === undefined ? undefined : await this.options.store.readVersioned(this.path);
    } catch (error) {
      gauges.readFailed("unreadable");
      this.warnOnce("unreadable", error, "cannot read the monitoring report");
      return;
    }
    if (found === undefined) {
      // Forget the generation too: on disk it is the content's digest, and the same report
      // written again must show again.
      this.seenGeneration = undefined;
      this.warned = undefined;
      gauges.clear();
      return;
    }
    this.seenGeneration = found.generation;
    let report: LatestReport;
    try {
      report = this.parse(found.bytes);
    } catch (error) {
      gauges.readFailed("invalid");
      this.warnOnce(`invalid ${found.generation}`, error, "ignoring an invalid monitoring report");
      return;
    }
    gauges.show(this.options.model, report);
    this.warned = undefined;
    this.options.log.info(
      { report: this.location, generated_at: report.generated_at, status: report.status },
      "monitoring report read: quality gauges updated",
    );
  }

  private parse(bytes: Buffer): LatestReport {
    const report = parseLatestReport(bytes, this.location);
    if (report.model !== this.options.model) {
      throw new ArtifactError(
        `${this.location} reports on model "${report.model}", not "${this.options.model}"`,
      );
    }
    return report;
  }

  private warnOnce(failure: string, error: unknown, what: string): void {
    if (this.warned === failure) return;
    this.warned = failure;
    this.options.log.warn(
      { err: error, report: this.location },
      `${what}, keeping the last good quality figures: ${describeError(error)}`,
    );
  }
}
