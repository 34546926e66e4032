// The UI's message catalogues against the source: `node scripts/catalogue.mjs` writes
// src/locales/en.json from every t("…"), tk("…") and tn("…", "…", n) in src/ (English text is the key) and, in
// every other src/locales/LANG.json, adds the keys it lacks (empty, to translate) and drops keys
// nothing uses. tests/web/test_web_catalogue.py fails while a translation is empty or missing.
// Not part of the build.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const src = new URL("../src/", import.meta.url).pathname;
const locales = join(src, "locales");
const STRING = `("(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*')`;
const CALL = new RegExp(`\\bt[k]?\\(\\s*${STRING}`, "g");
const PLURAL = new RegExp(`\\btn\\(\\s*${STRING}\\s*,\\s*${STRING}`, "g");

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "gql" && name !== "locales") yield* files(path);
    } else if (/\.(ts|tsx)$/.test(name)) yield path;
  }
}

const keys = new Set();
for (const path of files(src)) {
  const text = readFileSync(path, "utf8");
  const literals = [...text.matchAll(CALL)].map((m) => m[1]);
  for (const m of text.matchAll(PLURAL)) literals.push(m[1], m[2]);
  for (const literal of literals) {
    keys.add(literal.startsWith("'") ? JSON.parse(`"${literal.slice(1, -1).replace(/"/g, '\\"')}"`) : JSON.parse(literal));
  }
}
const sorted = [...keys].sort();
writeFileSync(join(locales, "en.json"), `${JSON.stringify(Object.fromEntries(sorted.map((k) => [k, k])), null, 2)}\n`);
for (const name of readdirSync(locales)) {
  if (name === "en.json" || !name.endsWith(".json")) continue;
  const path = join(locales, name);
  const old = JSON.parse(readFileSync(path, "utf8"));
  const next = Object.fromEntries(sorted.map((k) => [k, old[k] ?? ""]));
  const missing = sorted.filter((k) => !next[k]);
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  console.log(`${name}: ${sorted.length} keys, ${missing.length} to translate`);
}
