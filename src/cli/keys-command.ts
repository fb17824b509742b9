import { createHash } from "node:crypto";
import { text } from "node:stream/consumers";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { EXIT } from "./exit-codes.js";
import { UsageError } from "./registry-command.js";

export const KEYS_HELP = `Usage: lead-scoring keys hash [--name NAME --scopes predict,explain,...]

Reads one API key from stdin and prints its sha256 (hex), what API_KEYS_FILE stores in place of
the key. With --name and --scopes it prints a whole entry for the file's "keys:" list.
A trailing newline (echo, a file) is not part of the key.

  printf %s "$KEY" | lead-scoring keys hash --name crm-acme --scopes predict,explain`;

const SCOPES = new Set(["predict", "explain", "feedback", "admin"]);

/** `lead-scoring keys hash`: the one line an operator needs to add a key to the file. */
export async function runKeysCommand(
  argv: string[],
  print: (line: string) => void,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      scopes: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) {
    print(KEYS_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1 || positionals[0] !== "hash") {
    throw new UsageError('the only command is "keys hash"');
  }
  const scopes = values.scopes?.split(",").map((scope) => scope.trim());
  const unknown = scopes?.find((scope) => !SCOPES.has(scope));
  if (unknown !== undefined) {
    throw new UsageError(`unknown scope "${unknown}": predict, explain, feedback or admin`);
  }
  if ((values.name === undefined) !== (scopes === undefined)) {
    throw new UsageError("give --name and --scopes together, or neither");
  }
  const key = (await text(stdin)).replace(/\r?\n$/, "");
  if (key === "" || /\s/.test(key)) {
    throw new UsageError("stdin must hold one API key: not empty, without spaces or line breaks");
  }
  const sha256 = createHash("sha256").update(key, "utf8").digest("hex");
  if (values.name === undefined) print(sha256);
  else print(stringify([{ name: values.name, sha256, scopes }]).trimEnd());
  return EXIT.ok;
}
