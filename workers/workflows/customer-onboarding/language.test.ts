import { describe, expect, it } from "vitest";
import { detectLanguage, languageOfCountry } from "./language.ts";

describe("detectLanguage", () => {
  it.each([
    ["Wie lange dauert die Anmeldung bei Ihnen?", "de"],
    ["Welche Dateiformate akzeptieren Sie für den Ausweis?", "de"],
    ["How long does the onboarding take?", "en"],
    ["Combien de temps dure l'inscription et où sont mes données ?", "fr"],
    ["¿Cuánto tiempo tarda el alta y dónde se guardan mis datos?", "es"],
    ["Hoe lang duurt de aanmelding en waar worden mijn gegevens opgeslagen?", "nl"],
  ])("reads %j as %s whatever the prior", (text, language) => {
    for (const prior of ["en", "de", "fr", "es", "nl"] as const)
      expect(detectLanguage(text, prior).language, `prior ${prior}`).toBe(language);
  });

  it("keeps the prior when no word is recognised, and says so", () => {
    expect(detectLanguage("OK 👍", "nl")).toMatchObject({ language: "nl", hits: 0 });
    expect(detectLanguage("Passport?", "de")).toMatchObject({ language: "de", hits: 0 });
  });

  it("lets the country's language decide a tie", () => {
    // "die" is German, "is" Dutch and English: one word each; the prior breaks the tie.
    expect(detectLanguage("die is", "de").language).toBe("de");
    expect(detectLanguage("die is", "nl").language).toBe("nl");
  });

  it("maps the demo markets' countries to their language, English elsewhere", () => {
    expect(["DE", "AT", "FR", "ES", "NL", "US", "BR"].map(languageOfCountry)).toEqual([
      "de",
      "de",
      "fr",
      "es",
      "nl",
      "en",
      "en",
    ]);
  });
});
