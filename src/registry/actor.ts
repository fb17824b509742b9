import os from "node:os";

/**
 * Who changes the registry when no one says (`--actor`): the login name. A pipeline running as a
 * Workload Identity service account has no meaningful login name, so it passes `--actor`.
 */
export function defaultActor(): string {
  try {
    return process.env.USER ?? os.userInfo().username;
  } catch {
    return "unknown"; // no passwd entry for this uid, as in many containers
  }
}
