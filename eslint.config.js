import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The layers, bottom first: a folder may import the folders before it, never one after it. models and bench
 * sit on the node layer beside each other's users; cli, scripts, launch and test are on top. Test files obey
 * the same rule as the code beside them, so a lib test cannot reach into sim/ either.
 */
const LAYERS = ["lib", "sim", "nodes", "models", "bench", "cli", "scripts", "launch", "test"];
const layerZones = LAYERS.slice(0, -1).map((target, i) => ({
  target: `./${target}`,
  from: LAYERS.slice(i + 1).map((above) => `./${above}`),
  message: `${target}/ is below ${LAYERS.slice(i + 1).join(", ")} (docs/DESIGN.md, layers): pass what it needs in instead`,
}));

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "build/", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    // The sources import "./x.js" for x.ts (NodeNext); the TypeScript resolver maps them, and an import it
    // cannot resolve would slip past the zone check, so unresolved imports are errors too.
    // no-cycle reads the imported files itself, so it needs to know they are TypeScript.
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/extensions": [".ts", ".js"],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
      "import-x/no-unresolved": "error",
    },
  },
  { files: ["sim/**/*.ts"], rules: { "import-x/no-cycle": "error" } },
  { files: ["web/**/*.js"], languageOptions: { globals: { ...globals.browser, uPlot: "readonly" } } },
);
