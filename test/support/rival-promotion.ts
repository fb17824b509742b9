import { Registry } from "../../src/registry/registry.js";

/**
 * Preloaded into a real CLI process by test/cli (`node --import tsx --import <this file>`): the
 * first time the process reads an alias, another operator's promotion of version
 * RIVAL_PROMOTES (as "rival") lands right after that read, before the process acts on what it
 * read. For `publish --promote-if-better` that is between its decision and its write: the race it
 * must lose cleanly. Test code only; src/ knows nothing of it.
 */
const rivalVersion = process.env.RIVAL_PROMOTES;
if (rivalVersion === undefined || rivalVersion === "") {
  throw new Error("rival-promotion.ts needs RIVAL_PROMOTES=<version>");
}

const readAlias = Object.getOwnPropertyDescriptor(Registry.prototype, "alias")?.value as (
  this: Registry,
  name: string,
) => ReturnType<Registry["alias"]>;
let rivalled = false;

Registry.prototype.alias = async function (this: Registry, name: string) {
  const state = await readAlias.call(this, name);
  if (!rivalled) {
    rivalled = true;
    // Through a registry of its own on the same store; its own alias read is not hooked again.
    await new Registry(this.store, this.model).promote(rivalVersion, name, { actor: "rival" });
  }
  return state;
};
