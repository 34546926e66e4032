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
  },
  server: {
    proxy: {
      "/graphql": { target: api, ws: true, changeOrigin: false },
      "/attachments": { target: api },
    },
  },
});
