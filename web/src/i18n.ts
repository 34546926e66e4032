/**
 * The UI's message catalogue: `t(text, { name })` looks the English `text` up in the catalogue
 * of the current language (locales/en.json, locales/de.json) and fills in `{name}`
 * placeholders; `tn(singular, plural, n)` picks a plural form. Keys are the English text, always
 * a string literal; `tk(text)` marks a key
 * written where its language is not known yet (a table of labels), translated where it is
 * shown with `t(key)`.
 * tests/web/test_web_catalogue.py fails when a key used here is missing in a catalogue or a
 * catalogue holds a key nothing uses.
 *
 * The language is the signed-in user's (their profile), else the browser's; dates and times
 * are formatted with Intl in that language and the user's time zone (else the browser's).
 */
import de from "./locales/de.json";
import en from "./locales/en.json";

export const LANGUAGES = { en, de } as const;
export type Language = keyof typeof LANGUAGES;

let language: Language = browserLanguage();
let timeZone: string | undefined;
const listeners = new Set<() => void>();

function isLanguage(value: string | null | undefined): value is Language {
  return value != null && Object.prototype.hasOwnProperty.call(LANGUAGES, value);
}

/** The first shipped language the browser asks for, else English. */
export function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = tag.toLowerCase().split("-")[0];
    if (isLanguage(code)) return code;
  }
  return "en";
}

/** Sets the language and time zone (null: the browser's) the UI speaks and formats in. */
export function setLocale(next: string | null | undefined, zone?: string | null): void {
  const lang = isLanguage(next) ? next : browserLanguage();
  const tz = zone || undefined;
  if (lang === language && tz === timeZone) return;
  language = lang;
  timeZone = tz;
  document.documentElement.lang = lang;
  for (const listener of [...listeners]) listener();
}

export function onLocaleChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentLanguage(): Language {
  return language;
}

export function currentTimeZone(): string | undefined {
  return timeZone;
}

/** The text of `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: string, values?: Record<string, string | number>): string {
  const catalogue = LANGUAGES[language] as Record<string, string>;
  const text = catalogue[key] ?? (en as Record<string, string>)[key] ?? key;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/**
 * The singular or the plural text by the current language's rules for `n` (`Intl.PluralRules`:
 * English and German have "one" and "other"), with `{n}` and the other placeholders filled in.
 * Both texts are catalogue keys.
 */
export function tn(
  singular: string,
  plural: string,
  n: number,
  values?: Record<string, string | number>,
): string {
  const form = new Intl.PluralRules(language).select(n) === "one" ? singular : plural;
  return t(form, { n, ...values });
}

/** Marks `key` for the catalogue; translate it with `t(key)` where it is shown. */
export function tk(key: string): string {
  return key;
}

document.documentElement.lang = language;
