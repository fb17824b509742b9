/**
 * Node prints its own warnings (a deprecation in a dependency, an experimental feature, a
 * listener leak) as plain text on stderr, which Cloud Logging would store as unstructured lines.
 * Imported first by server.ts, before any module that could warn, this module replaces Node's
 * printer (a listener like any other) with one JSON line per warning, in the service's format.
 */
process.removeAllListeners("warning");
process.on("warning", (warning: Error & { code?: string }) => {
  const entry = {
    severity: "WARNING",
    time: new Date().toISOString(),
    code: warning.code,
    message: `${warning.name}: ${warning.message}`,
  };
  process.stderr.write(`${JSON.stringify(entry)}\n`);
});
