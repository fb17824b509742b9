#!/usr/bin/env node
import { describeError, ServiceError } from "../errors.js";
import { EXIT } from "./exit-codes.js";
import { KEYS_HELP, runKeysCommand } from "./keys-command.js";
import { MONITOR_HELP, runMonitorCommand } from "./monitor-command.js";
import { REGISTRY_HELP, runRegistryCommand, UsageError } from "./registry-command.js";
import { runScoreCommand, SCORE_HELP } from "./score/score-command.js";

const HELP = `Usage: lead-scoring <command>

Commands:
  registry ...   manage model versions and aliases (lead-scoring registry --help)
  monitor ...    join the prediction log with outcomes, judge quality and drift, write reports
                 (lead-scoring monitor --help)
  score ...      score a CSV or JSONL file of leads in batch, locally or in gs://
                 (lead-scoring score --help)
  keys hash      print the sha256 of an API key read from stdin, for API_KEYS_FILE
                 (lead-scoring keys --help)`;

/** `lead-scoring ...`: the operator's command line. Errors are one line on stderr, no stack. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (command === "registry") return await runRegistryCommand(rest, print);
    if (command === "monitor") return await runMonitorCommand(rest, print);
    if (command === "keys") return await runKeysCommand(rest, print);
    if (command === "score") return await runScoreCommand(rest, print);
    print(HELP);
    return command === "--help" || command === "-h" ? EXIT.ok : EXIT.usage;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      // parseArgs reports unknown options as TypeError with an ERR_PARSE_ARGS_* code.
      const help = { monitor: MONITOR_HELP, keys: KEYS_HELP, score: SCORE_HELP }[command ?? ""];
      process.stderr.write(`error: ${error.message}\n\n${help ?? REGISTRY_HELP}\n`);
      return EXIT.usage;
    }
    const prefix = error instanceof ServiceError ? `${error.code}: ` : "";
    process.stderr.write(`error: ${prefix}${describeError(error)}\n`);
    return EXIT.error;
  }
}

// A reader that went away (`lead-scoring … | head`) is not a failure of the command: what is
// left to print goes nowhere, and the command still finishes with its own exit code (3 for an
// alert), which a script may branch on.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

process.exitCode = await main(process.argv.slice(2));
