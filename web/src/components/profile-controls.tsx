/** A user's language and time zone in the admins' user editors (Staff, Client accounts). */
import type { Control } from "./form";
import { LANGUAGES, t } from "../i18n";

export type ProfileValues = { language: string; timeZone: string };

/** The language names as each calls itself. */
const NAMES: Record<string, string> = { en: "English", de: "Deutsch" };

export function profileControls<V extends ProfileValues>(): Control<V>[] {
  return [
    {
      name: "language",
      label: t("Language"),
      type: "select",
      options: Object.keys(LANGUAGES).map((code) => ({ value: code, label: NAMES[code] ?? code })),
    },
    {
      name: "timeZone",
      label: t("Time zone"),
      hint: t("IANA name, e.g. Europe/Berlin; empty: the default"),
      maxLength: 64,
    },
  ] as Control<V>[];
}
