import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { ArtifactError, describeError } from "../errors.js";

/**
 * A JSON artifact parser compiled once per schema. Artifacts come from storage we do not fully
 * control (a registry anyone with bucket access can write), so they are validated like input.
 */
export function artifactParser<S extends TSchema>(
  schema: S,
): (bytes: Buffer, file: string) => Static<S> {
  const validator = Compile(schema);
  return (bytes, file) => {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new ArtifactError(`${file} is not valid JSON: ${describeError(error)}`);
    }
    if (!validator.Check(value)) {
      const problems = [...validator.Errors(value)]
        .slice(0, 5)
        .map((e) => `${e.instancePath || "/"} ${e.message}`);
      throw new ArtifactError(`${file} does not match its format: ${problems.join("; ")}`);
    }
    return value;
  };
}
