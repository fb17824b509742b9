import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import semver from "semver";
import { PACKAGE_ROOT } from "../src/package-root.js";

/** The Node.js version is stated in five places; they must name the same release line. */
const read = (file: string) => readFileSync(path.join(PACKAGE_ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const nodeSh = read(".ci/node.sh");
const shVariable = (name: string) => new RegExp(`^${name}=(\\S+)$`, "m").exec(nodeSh)?.[1];

describe("the Node.js runtime", () => {
  const pinned = shVariable("LEAD_SCORING_NODE_VERSION") ?? "";
  const minimum = semver.coerce(shVariable("LEAD_SCORING_NODE_MINIMUM"))?.version ?? "";

  it("CI's pinned Node satisfies package.json engines, whose floor is .ci/node.sh's minimum", () => {
    assert.ok(semver.valid(pinned), `.ci/node.sh pins "${pinned}"`);
    assert.ok(semver.satisfies(pinned, pkg.engines.node), `${pinned} vs ${pkg.engines.node}`);
    assert.equal(semver.minVersion(pkg.engines.node)?.version, minimum);
  });

  it("the Dockerfile's base image and @types/node are the same major", () => {
    const major = semver.major(pinned);
    assert.match(read("Dockerfile"), new RegExp(`^ARG BASE=node:${major}-bookworm-slim$`, "m"));
    assert.equal(semver.major(pkg.devDependencies["@types/node"] ?? ""), major);
  });

  it("this test runs on a Node that package.json accepts", () => {
    assert.ok(
      semver.satisfies(process.version, pkg.engines.node),
      `${process.version} does not satisfy ${pkg.engines.node}: source .ci/node.sh`,
    );
  });
});
