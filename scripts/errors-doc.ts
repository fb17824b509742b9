import { format } from "prettier";
import { ERROR_CATALOG, ERROR_CODES } from "../src/protocols/error-catalog.js";

/**
 * docs/errors.md, rendered from the error catalog (src/protocols/error-catalog.ts) and formatted
 * as prettier would, so the committed file is exactly this (test/errors-doc.test.ts).
 */
export async function renderErrorsDoc(): Promise<string> {
  const rows = ERROR_CODES.map((code) => {
    const { status, meaning, fix } = ERROR_CATALOG[code];
    return `| ${status} | \`${code}\` | ${cell(meaning)} | ${cell(fix)} |`;
  });
  const markdown = [
    "# Error codes",
    "",
    "<!-- Generated from src/protocols/error-catalog.ts by `npm run errors-doc`; do not edit. -->",
    "",
    'Every error response, on every protocol, is `{"error": message, "code": CODE}` with',
    "`Content-Type: application/json`: the OpenAPI document's `ErrorResponse` schema, whose `code`",
    "is an enum of the codes below. `error` is for people (it names the instance and field, and",
    "may change wording); `code` is for programs and is stable. A new code may be added in a minor",
    "release: treat an unknown code by its HTTP status. Every 503 comes with `Retry-After`.",
    "",
    "| Status | Code | Meaning | Fix |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "Errors that never reach a client: `ARTIFACT_INVALID` and `CONFIG_INVALID` stop the service at",
    "start-up (or refuse a model reload, which is logged); `STORAGE_UNAVAILABLE` and `CONFLICT` come",
    "from the registry CLI. Should one reach a request, it is answered like a bug: 500 `INTERNAL`.",
    "",
  ].join("\n");
  return format(markdown, { parser: "markdown" });
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}
