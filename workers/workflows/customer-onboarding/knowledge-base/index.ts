/**
 * Looking things up in the onboarding's knowledge base: the passages a question is about, and the messages no passage
 * should answer (a request for a person, anger, a request to cancel, a legal threat), which go to a person with the
 * conversation.
 */
import type { Language } from "../language.ts";
import { PASSAGES, type Passage } from "./passages.ts";

export { PASSAGES, type Passage } from "./passages.ts";

export const PASSAGE_IDS: ReadonlySet<string> = new Set(PASSAGES.map((p) => p.id));

/**
 * The passages a question is about, in the knowledge base's order.
 * @example passagesAbout("Welche Dateiformate nehmen Sie?").map((p) => p.id) // ["kb.documents.accepted"]
 */
export function passagesAbout(question: string): Passage[] {
  const text = question.toLowerCase();
  return PASSAGES.filter((p) => p.about.test(text));
}

/** The knowledge base in one language, as an LLM reads it (id and text), to answer from and cite. */
export const knowledgeBaseIn = (language: Language) => PASSAGES.map((p) => ({ id: p.id, text: p.text[language] }));

// What a passage must never answer, in the five languages: these go to a person.
const FOR_A_PERSON: readonly { reason: string; pattern: RegExp }[] = [
  {
    reason: "the customer asks for a person",
    pattern:
      /\b(human|real person|someone|agent|manager|supervisor|call me|mensch|mitarbeiter|jemand|menschen|rufen sie|vorgesetzt|humain|une personne|quelqu'un|conseiller|appelez|humano|una persona|alguien|llámenme|llamen|een mens|iemand|medewerker|bel me)\b/,
  },
  {
    reason: "the customer is angry",
    pattern:
      /\b(angry|furious|ridiculous|unacceptable|terrible|scam|wütend|unverschämt|frechheit|inakzeptabel|unmöglich|betrug|furieux|inadmissible|inacceptable|arnaque|enfadado|furioso|inaceptable|estafa|boos|belachelijk|onacceptabel|oplichting)\b|!!/,
  },
  {
    // Only a person cancels (the workflow has no tool for it); asking whether one can is answered from the passage.
    reason: "the customer wants to cancel",
    pattern:
      /\b(want to cancel|would like to cancel|cancel my|please cancel|ich (möchte|will) (\p{L}+ )*(kündigen|stornieren)|kündige\b|je (veux|voudrais|souhaite) (résilier|annuler)|résiliez|quiero (cancelar|darme de baja)|cancelen|ik wil (\p{L}+ )*(opzeggen|annuleren)|zeg (\p{L}+ )*op)/u,
  },
  {
    reason: "the customer threatens legal action",
    pattern:
      /\b(lawyer|attorney|sue|court|legal action|anwalt|anwältin|klage|verklagen|gericht|avocat|tribunal|poursuite|abogado|demanda|denunciar|advocaat|rechter|rechtszaak|aanklacht)\b/,
  },
];

/**
 * Why a message must go to a person whatever the knowledge base says, or null.
 * @example forAPerson("Ich will mit einem Menschen sprechen") // "the customer asks for a person"
 */
export function forAPerson(message: string): string | null {
  const text = message.toLowerCase();
  return FOR_A_PERSON.find((f) => f.pattern.test(text))?.reason ?? null;
}
