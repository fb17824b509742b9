import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, highest first; an import may only point down (docs/architecture.md):
 * protocols → monitoring → dataplane → lifecycle → registry → model → storage, with the shared
 * root modules (errors, echo, logging, config) below all of them. The CLI sits beside protocols.
 * app.ts and server.ts wire everything and may import anything.
 */
const LAYERS = [
  "protocols",
  "monitoring",
  "dataplane",
  "lifecycle",
  "registry",
  "model",
  "storage",
];

/** `no-restricted-imports` for the files of `layer`: nothing above it, `also`, and `extra`. */
function onlyDownwardFrom(layer, also = [], extra = []) {
  const above = [...LAYERS.slice(0, LAYERS.indexOf(layer)), "cli"];
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `(^|/)(${[...above, ...also].join("|")})/`,
              message: `src/${layer} is a lower layer: it must not import from ${[...above, ...also].join(", ")} (see docs/architecture.md).`,
            },
            {
              regex: "(^|/)(app|server)\\.js$",
              message: "Only the entry point wires the application.",
            },
            ...extra,
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      ".venv/",
      ".venv-schemathesis/",
      "pipeline/",
      "models/",
      "coverage/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      // node:test's describe/it return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] },
          ],
        },
      ],
    },
  },
  // Protocols see a ModelInfo value, never the loaded model, a store or the lifecycle.
  onlyDownwardFrom(
    "protocols",
    ["lifecycle", "registry", "storage"],
    [
      {
        regex: "(^|/)model/loaded-model\\.js$",
        message:
          "Protocols see the ModelInfo value (dataplane/model-info.ts), not the loaded model.",
      },
    ],
  ),
  onlyDownwardFrom("monitoring"),
  // The data plane serves what the lifecycle holds; where versions come from is not its business.
  onlyDownwardFrom("dataplane", ["registry", "storage"]),
  onlyDownwardFrom("lifecycle"),
  onlyDownwardFrom("registry"),
  onlyDownwardFrom("model"),
  onlyDownwardFrom("storage"),
  {
    files: ["src/cli/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)(protocols|dataplane)/",
              message: "The CLI manages the registry and runs batch jobs; it does not serve.",
            },
            {
              // The monitoring job's pure code only: not the service's metrics or log sinks.
              regex: "(^|/)monitoring/(?!(quality|drift)/)",
              message:
                "The CLI may use monitoring/quality and monitoring/drift (pure code), nothing else of monitoring/.",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      "src/errors.ts",
      "src/echo.ts",
      "src/logging.ts",
      "src/config.ts",
      "src/package-root.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^\\./(${LAYERS.concat("cli").join("|")})/`,
              message: "The shared root modules sit below every layer.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
