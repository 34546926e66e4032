import { defineConfig } from "vite";

// The server (`helpdesk run`) serves dist/; `npm run dev` proxies the API to it.
const api = process.env.HELPDESK_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    // Two pages: the app, and GraphiQL (served at /graphql to browsers; loaded only there).
    rollupOptions: {
      input: { index: "index.html", graphiql: "graphiql.html" },
      // GraphiQL's dependencies mark themselves "use client" (a React Server Components hint
      // that means nothing in a plain bundle).
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
    chunkSizeWarningLimit: 1024, // GraphiQL's own chunk; the app's first load has a budget

  },
  server: {
    proxy: {
      "/graphql": { target: api, ws: true, changeOrigin: false },
      "/attachments": { target: api },
    },
  },
});
