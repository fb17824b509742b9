import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import { parse as parseYaml } from "yaml";
import { ConfigError, describeError } from "../../errors.js";
import { SCOPES, type Scope } from "./scopes.js";
import { parseTimeWindow } from "../../config.js";

const RateLimit = Type.Object(
  {
    max: Type.Integer({ minimum: 1, description: "requests allowed per time window" }),
    timeWindow: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })], {
      description: 'the window: "1 minute", "30 seconds", "1 hour" or milliseconds',
    }),
  },
  { additionalProperties: false },
);

const KeyEntry = Type.Object(
  {
    // Goes into logs and a metric label: short, plain, no secrets.
    name: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$" }),
    sha256: Type.String({ pattern: "^[0-9a-fA-F]{64}$" }),
    scopes: Type.Array(Type.Enum([...SCOPES]), { minItems: 1, uniqueItems: true }),
    rateLimit: Type.Optional(RateLimit),
  },
  { additionalProperties: false },
);

/** The keys file (YAML or JSON): only names, hashes, scopes and limits, never a key. */
export const KeysFileSchema = Type.Object(
  {
    defaultRateLimit: Type.Optional(RateLimit),
    keys: Type.Array(KeyEntry),
  },
  { additionalProperties: false },
);
export type KeysFile = Static<typeof KeysFileSchema>;

/** A rate limit with its window in milliseconds, as @fastify/rate-limit takes it. */
export interface Quota {
  readonly max: number;
  readonly timeWindowMs: number;
}

/** One known key, as the authentication hook and the rate limiter see it. */
export interface ApiKey {
  readonly name: string;
  /** The sha256 digest of the key (32 bytes). */
  readonly digest: Buffer;
  readonly scopes: ReadonlySet<Scope>;
  /** The key's own quota, else the file's default; undefined = no limit. */
  readonly quota: Quota | undefined;
}

const checkKeysFile = Compile(KeysFileSchema);

/**
 * Parses and checks a keys file. A problem is a ConfigError naming the file and the entry
 * (`keys[2] "crm-acme": /scopes/0 must be ...`), so an operator finds it at once.
 */
export function parseKeysFile(text: string, file: string): ApiKey[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `API keys file ${file} is not valid YAML or JSON: ${describeError(error)}`,
    );
  }
  if (!checkKeysFile.Check(value)) {
    const problems = [...checkKeysFile.Errors(value)]
      .slice(0, 5)
      .map((issue) => `${where(value, issue.instancePath)}: ${issue.message}`);
    throw new ConfigError(`API keys file ${file} is invalid: ${problems.join("; ")}`);
  }
  const defaultQuota = quota(value.defaultRateLimit, file, "defaultRateLimit");
  const names = new Set<string>();
  const digests = new Set<string>();
  return value.keys.map((entry, index) => {
    const label = `keys[${index}] "${entry.name}"`;
    const digest = entry.sha256.toLowerCase();
    if (names.has(entry.name)) {
      throw new ConfigError(`API keys file ${file}: ${label}: the name is used twice`);
    }
    if (digests.has(digest)) {
      throw new ConfigError(`API keys file ${file}: ${label}: the same sha256 as another key`);
    }
    names.add(entry.name);
    digests.add(digest);
    return {
      name: entry.name,
      digest: Buffer.from(digest, "hex"),
      scopes: new Set(entry.scopes),
      quota: quota(entry.rateLimit, file, `${label} rateLimit`) ?? defaultQuota,
    };
  });
}

function quota(
  limit: Static<typeof RateLimit> | undefined,
  file: string,
  label: string,
): Quota | undefined {
  if (limit === undefined) return undefined;
  const timeWindowMs = parseTimeWindow(limit.timeWindow);
  if (timeWindowMs === undefined) {
    throw new ConfigError(
      `API keys file ${file}: ${label}: timeWindow ${JSON.stringify(limit.timeWindow)} is not ` +
        'a duration such as "1 minute", "30 seconds" or a number of milliseconds',
    );
  }
  return { max: limit.max, timeWindowMs };
}

/** "/keys/2/scopes/0" → `keys[2] "crm-acme" /scopes/0`: the entry by index and by name. */
function where(value: unknown, instancePath: string): string {
  const match = /^\/keys\/(\d+)(.*)$/.exec(instancePath);
  if (match === null) return instancePath || "/";
  const index = Number(match[1]);
  const keys = (value as { keys?: unknown }).keys;
  const name = Array.isArray(keys) ? (keys[index] as { name?: unknown } | null)?.name : undefined;
  const named = typeof name === "string" ? ` "${name.slice(0, 64)}"` : "";
  return `keys[${index}]${named}${match[2] === "" ? "" : ` ${match[2]}`}`;
}
