import path from "node:path";
import { openStore, type OpenStoreOptions } from "../../storage/open-store.js";
import type { ArtifactStore } from "../../storage/store.js";
import { UsageError } from "../registry-command.js";

/** One file named by a path or gs:// URI: the store of its folder and its name there. */
export interface FileLocation {
  readonly store: ArtifactStore;
  readonly name: string;
  /** The folder as given (a path or gs://bucket/prefix), to name sibling files. */
  readonly folder: string;
}

/** Whether a location is a URI (gs://…) rather than a local path. */
export function isUri(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** The file `name` in `folder`, named as the user named the folder. */
export function fileIn(folder: string, name: string): string {
  return isUri(folder) ? `${folder}/${name}` : path.join(folder, name);
}

/** Splits `uri` into folder and file name and opens the folder as an ArtifactStore. */
export async function openFileLocation(
  option: string,
  uri: string,
  storage: OpenStoreOptions,
): Promise<FileLocation> {
  const remote = isUri(uri);
  const paths = remote ? path.posix : path;
  const name = paths.basename(uri);
  if (uri.trim() === "" || uri.endsWith("/") || name === "" || name === "." || name === "..") {
    throw new UsageError(`--${option} must name a file (a path or gs://bucket/file); got "${uri}"`);
  }
  const folder = remote ? uri.slice(0, uri.length - name.length - 1) : paths.dirname(uri);
  if (remote && !/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i.test(folder)) {
    throw new UsageError(
      `--${option} must name a bucket and a file (gs://bucket/file); got "${uri}"`,
    );
  }
  return { store: await openStore(folder, storage), name, folder };
}
