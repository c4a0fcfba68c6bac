// ESLint for the page's own code: the map's joined script (as a map gets it, written by
// tests/js/make_fixtures.py into build/js-fixtures) and the workshop
// room's parts. Plain ES5 in browsers, Leaflet as a global; every name defined, nothing unused.
import js from "./tests/browser_assets/node_modules/@eslint/js/src/index.js";
import globals from "./tests/browser_assets/node_modules/globals/index.js";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      "no-var": "off",
      "no-shadow": "error",
      eqeqeq: ["error", "always"],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: false, skipComments: false, IIFEs: false }],
    },
  },
];
