import { ConfigError } from "../errors.js";

/** Splits "gs://bucket/some/prefix" into its bucket and its prefix ("" for the bucket root). */
export function parseGcsUri(uri: string): { bucket: string; prefix: string } {
  const match = /^gs:\/\/([^/]*)\/?(.*)$/.exec(uri);
  const bucket = match?.[1] ?? "";
  const rest = (match?.[2] ?? "").replace(/\/+$/, "");
  const segments = rest === "" ? [] : rest.split("/");
  // Bucket naming rules: 3-222 chars of [a-z0-9._-], starting and ending with a letter or digit.
  const validBucket = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket);
  const validPrefix = segments.every((segment) => segment !== "" && !/^\.\.?$/.test(segment));
  if (!validBucket || !validPrefix) {
    throw new ConfigError(
      `invalid Cloud Storage URI ${JSON.stringify(uri)}: expected gs://<bucket>[/<prefix>] ` +
        `with a lowercase bucket name and no empty, "." or ".." path segments`,
    );
  }
  return { bucket, prefix: segments.join("/") };
}
