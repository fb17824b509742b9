import { ModelHolder, type VersionHooks } from "./model-holder.js";

/** The name of the version every request is answered by unless a rollout says otherwise. */
export const PRIMARY = "production";

/**
 * Several named versions held at once, each in its own holder with its own leases: today the
 * service serves one (PRIMARY); shadow and canary rollouts hold a "candidate" beside it. Every
 * holder shares the same hooks, so per-version state is made and dropped in one place.
 */
export class ModelSet {
  private readonly holders = new Map<string, ModelHolder>();

  constructor(private readonly hooks: VersionHooks = {}) {}

  /** The holder for `name`, created empty on first use. */
  holder(name: string = PRIMARY): ModelHolder {
    let holder = this.holders.get(name);
    if (holder === undefined) {
      holder = new ModelHolder(name, this.hooks);
      this.holders.set(name, holder);
    }
    return holder;
  }

  names(): string[] {
    return [...this.holders.keys()];
  }

  /** Stops serving every version; each is released when its last request ends. */
  async close(): Promise<void> {
    await Promise.all([...this.holders.values()].map((holder) => holder.close()));
  }
}
