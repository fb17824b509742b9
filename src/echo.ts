/**
 * How values a client sent appear in our error messages: quoted and cut short. An error that
 * echoes a 1 MB field name whole is an amplifier (a 1 MB answer and a 1 MB log line per request),
 * so every echo of client text goes through here.
 */
export const MAX_ECHO_LENGTH = 64;

/** `"text"` as JSON, cut to MAX_ECHO_LENGTH characters with the full length noted. */
export function quoteInput(text: string): string {
  if (text.length <= MAX_ECHO_LENGTH) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_ECHO_LENGTH))}… (${text.length} characters)`;
}

/** `text` as it is when short, else its first MAX_ECHO_LENGTH characters and the full length. */
export function cutInput(text: string): string {
  if (text.length <= MAX_ECHO_LENGTH) return text;
  return `${text.slice(0, MAX_ECHO_LENGTH)}… (${text.length} characters)`;
}

/** A short description of a JSON value for error messages: its type, and short values whole. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `string ${quoteInput(value)}`;
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof value} ${value}`;
    case "undefined":
      return "nothing";
    default:
      if (value === null) return "null";
      return Array.isArray(value) ? "an array" : "an object";
  }
}
