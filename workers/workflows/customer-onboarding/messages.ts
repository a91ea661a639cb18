/**
 * What the onboarding writes to its customer, in the case's language (version 4 on): the documents ask and its
 * reminder, the consent ask, the payment ask, the welcome, and the frame around an answer from the knowledge base.
 * Reasons another system gives (a compliance check's "HEIC is not accepted") are quoted as that system wrote them.
 */
import type { Language } from "./language.ts";

type Texts<A extends unknown[]> = Readonly<Record<Language, (...args: A) => string>>;

/** The documents the signup form names, in each language; another type is named as the form wrote it. */
const DOCUMENT_NAMES: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
  en: { passport: "passport", "id-card": "ID card", "proof-of-address": "proof of address" },
  de: { passport: "Reisepass", "id-card": "Personalausweis", "proof-of-address": "Adressnachweis" },
  fr: { passport: "passeport", "id-card": "carte d'identité", "proof-of-address": "justificatif de domicile" },
  es: { passport: "pasaporte", "id-card": "documento de identidad", "proof-of-address": "justificante de domicilio" },
  nl: { passport: "paspoort", "id-card": "identiteitskaart", "proof-of-address": "adresbewijs" },
};

/** A document type as the customer reads it in `language` (e.g. `passport` → `Reisepass`). */
export const documentName = (language: Language, type: string) => DOCUMENT_NAMES[language][type] ?? type;

export const documentAgain: Texts<[type: string, reason: string]> = {
  en: (type, reason) =>
    `We could not accept your ${documentName("en", type)}: ${reason}. Please reply with it attached.`,
  de: (type, reason) =>
    `Wir konnten Ihr Dokument (${documentName("de", type)}) nicht akzeptieren: ${reason}. Bitte antworten Sie mit der Datei im Anhang.`,
  fr: (type, reason) =>
    `Nous n'avons pas pu accepter votre document (${documentName("fr", type)}) : ${reason}. Merci de répondre avec le fichier en pièce jointe.`,
  es: (type, reason) =>
    `No hemos podido aceptar su documento (${documentName("es", type)}): ${reason}. Responda con el archivo adjunto, por favor.`,
  nl: (type, reason) =>
    `We konden uw document (${documentName("nl", type)}) niet accepteren: ${reason}. Beantwoord dit bericht met het bestand als bijlage.`,
};

export const consentAsk: Texts<[residency: string]> = {
  en: (r) =>
    `To serve you from our ${r} data centre we need your consent to process your data there. Please reply YES to agree.`,
  de: (r) =>
    `Um Sie aus unserem Rechenzentrum ${r} zu bedienen, brauchen wir Ihre Einwilligung, Ihre Daten dort zu verarbeiten. Bitte antworten Sie mit JA, um zuzustimmen.`,
  fr: (r) =>
    `Pour vous servir depuis notre centre de données ${r}, nous avons besoin de votre consentement pour y traiter vos données. Répondez OUI pour accepter.`,
  es: (r) =>
    `Para atenderle desde nuestro centro de datos ${r} necesitamos su consentimiento para tratar allí sus datos. Responda SÍ para aceptar.`,
  nl: (r) =>
    `Om u te bedienen vanuit ons datacenter ${r} hebben we uw toestemming nodig om uw gegevens daar te verwerken. Antwoord JA om akkoord te gaan.`,
};

export const paymentAsk: Readonly<Record<Language, string>> = {
  en: "Your card was declined. Please reply with the id of a new payment method (it starts with pm_).",
  de: "Ihre Karte wurde abgelehnt. Bitte antworten Sie mit der ID einer neuen Zahlungsmethode (sie beginnt mit pm_).",
  fr: "Votre carte a été refusée. Répondez avec l'identifiant d'un nouveau moyen de paiement (il commence par pm_).",
  es: "Su tarjeta ha sido rechazada. Responda con el identificador de un nuevo método de pago (empieza por pm_).",
  nl: "Uw kaart is geweigerd. Antwoord met de id van een nieuwe betaalmethode (die begint met pm_).",
};

/** A yes to the consent ask, in any of the five languages. */
export const saysYes = (text: string) => /(^|[^\p{L}])(yes|ja|oui|sí|si)([^\p{L}]|$)/iu.test(text);

export const welcome: Texts<[name: string, plan: string]> = {
  en: (name, plan) => `Hi ${name}, your ${plan} service is active.`,
  de: (name, plan) => `Hallo ${name}, Ihr Dienst ${plan} ist aktiv.`,
  fr: (name, plan) => `Bonjour ${name}, votre service ${plan} est actif.`,
  es: (name, plan) => `Hola ${name}, su servicio ${plan} está activo.`,
  nl: (name, plan) => `Hallo ${name}, uw dienst ${plan} is actief.`,
};

/** An answer from the knowledge base: the cited passages, then what the case still waits for (`stillWaiting`). */
export const answerFrame: Texts<[passages: string, stillWaiting: string]> = {
  en: (p, w) => `Thank you for your question. ${p}\n\n${w}`,
  de: (p, w) => `Vielen Dank für Ihre Frage. ${p}\n\n${w}`,
  fr: (p, w) => `Merci pour votre question. ${p}\n\n${w}`,
  es: (p, w) => `Gracias por su pregunta. ${p}\n\n${w}`,
  nl: (p, w) => `Bedankt voor uw vraag. ${p}\n\n${w}`,
};

/** The sentence that ends an answer given while an ask waits: what the case still waits for. */
export const stillWaiting = {
  document: {
    en: (type) => `We are still waiting for your ${documentName("en", type)} (PDF, JPEG or PNG, up to 10 MB).`,
    de: (type) => `Wir warten weiterhin auf Ihr Dokument (${documentName("de", type)}; PDF, JPEG oder PNG, bis 10 MB).`,
    fr: (type) =>
      `Nous attendons toujours votre document (${documentName("fr", type)} ; PDF, JPEG ou PNG, 10 Mo maximum).`,
    es: (type) => `Seguimos esperando su documento (${documentName("es", type)}; PDF, JPEG o PNG, hasta 10 MB).`,
    nl: (type) => `We wachten nog op uw document (${documentName("nl", type)}; PDF, JPEG of PNG, maximaal 10 MB).`,
  } satisfies Texts<[type: string]>,
  consent: {
    en: () => "We are still waiting for your consent: reply YES to agree.",
    de: () => "Wir warten weiterhin auf Ihre Einwilligung: Antworten Sie mit JA, um zuzustimmen.",
    fr: () => "Nous attendons toujours votre consentement : répondez OUI pour accepter.",
    es: () => "Seguimos esperando su consentimiento: responda SÍ para aceptar.",
    nl: () => "We wachten nog op uw toestemming: antwoord JA om akkoord te gaan.",
  } satisfies Texts<[]>,
  payment: {
    en: () => "We are still waiting for a new payment method: reply with its id (it starts with pm_).",
    de: () => "Wir warten weiterhin auf eine neue Zahlungsmethode: Antworten Sie mit ihrer ID (sie beginnt mit pm_).",
    fr: () =>
      "Nous attendons toujours un nouveau moyen de paiement : répondez avec son identifiant (il commence par pm_).",
    es: () => "Seguimos esperando un nuevo método de pago: responda con su identificador (empieza por pm_).",
    nl: () => "We wachten nog op een nieuwe betaalmethode: antwoord met de id ervan (die begint met pm_).",
  } satisfies Texts<[]>,
};
