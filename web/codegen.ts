import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed operations from the server's exported schema. Every `graphql(...)` document in src/
 * is validated against ../schema.graphql, so a UI that asks for something the schema does not
 * have fails `npm run build` (and with it `make web`, `make test` and CI).
 */
const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "./src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTime: "string", Upload: "File" },
        skipTypename: false,
      },
    },
  },
};

export default config;
