import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe } from "node:test";
import { FileStore } from "../../src/storage/file-store.js";
import { registryContract } from "./registry-contract.js";

describe("registry on a local directory", () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));
  registryContract(async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lead-scoring-registry-"));
    roots.push(root);
    return new FileStore(root);
  });
});
