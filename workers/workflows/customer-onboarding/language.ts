/**
 * Which of the demo markets' languages a customer writes in: an honest, offline detector. It counts each language's
 * common short words (articles, pronouns, prepositions, question words) in the message; the application's country
 * is a prior worth half a word, so a short or ambiguous message keeps the language the case already speaks. It
 * decides among these five only and says how sure it is (`hits`): no word recognised means it kept the prior.
 */

export const LANGUAGES = ["en", "de", "fr", "es", "nl"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language a country's applicants are first written to in (the prior); English where none of the five. */
const COUNTRY_LANGUAGE: Readonly<Record<string, Language>> = {
  DE: "de",
  AT: "de",
  CH: "de",
  FR: "fr",
  BE: "fr",
  LU: "fr",
  ES: "es",
  NL: "nl",
};

export const languageOfCountry = (country: string): Language => COUNTRY_LANGUAGE[country.toUpperCase()] ?? "en";

// Frequent function words, chosen so that few are shared between the five (shared ones score for each).
const STOP_WORDS: Readonly<Record<Language, readonly string[]>> = {
  en: "the and is are you your my i what how when where which can do does will would have has it of to for with not this that please long take".split(
    " ",
  ),
  de: "der die das und ist sind sie ihr ich mein meine wie was wann wo welche welcher kann können wird werden nicht mit für auf ein eine einen dauert lange bitte bei auch noch meinen".split(
    " ",
  ),
  fr: "le la les et est sont vous votre je mon ma mes quel quelle quels comment quand où pourquoi puis pouvez avec pour pas une des du combien temps dans ce cette".split(
    " ",
  ),
  es: "el la los las y es son usted su yo mi mis qué cómo cuándo dónde cuál puedo puede con para por no una del cuánto tiempo mis datos se".split(
    " ",
  ),
  nl: "de het een en is zijn u uw ik mijn wat hoe wanneer waar welke kan kunt niet met voor op van lang duurt gegevens worden mijn".split(
    " ",
  ),
};

export interface DetectedLanguage {
  language: Language;
  /** Words of the chosen language recognised in the text (0: the prior decided). */
  hits: number;
  scores: Record<Language, number>;
}

/**
 * @example detectLanguage("Wie lange dauert die Anmeldung?", "DE") // { language: "de", hits: 4, ... }
 */
export function detectLanguage(text: string, prior: Language): DetectedLanguage {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const scores = Object.fromEntries(LANGUAGES.map((l) => [l, l === prior ? 0.5 : 0])) as Record<Language, number>;
  const hits = Object.fromEntries(LANGUAGES.map((l) => [l, 0])) as Record<Language, number>;
  for (const word of words)
    for (const l of LANGUAGES)
      if (STOP_WORDS[l].includes(word)) {
        scores[l] += 1;
        hits[l] += 1;
      }
  const language = LANGUAGES.reduce((best, l) => (scores[l] > scores[best] ? l : best), prior);
  return { language, hits: hits[language], scores };
}
