/**
 * The onboarding's knowledge base: short policy and product passages, kept with the workflow and versioned with it
 * (a change here ships as a workflow version, like a change to its steps). Each passage has an id the answers cite,
 * its text in the demo markets' five languages, and the words (any of the five languages) that show a question is
 * about it. Promise only what the workflow's steps do: these texts are what customers are told.
 */
import type { Language } from "../language.ts";

export interface Passage {
  id: string;
  /** What it is about, for people reading the audit and the packet. */
  topic: string;
  text: Readonly<Record<Language, string>>;
  /** Matches a question on this topic, in any of the five languages (lowercase text). */
  about: RegExp;
}

export const PASSAGES: readonly Passage[] = [
  {
    id: "kb.documents.accepted",
    topic: "accepted documents and file formats",
    about:
      /format|pdf|jpe?g|png|photo|foto|scan|file|datei|fichier|archivo|bestand|document|dokument|ausweis|passport|pass\b|reisepass|passeport|pasaporte|paspoort|identit|\bid\b|mb\b/,
    text: {
      en: "We accept a passport or national identity card as a PDF, JPEG or PNG file of up to 10 MB. Reply to our message with the file attached; a clear photo of the document is fine.",
      de: "Wir akzeptieren einen Reisepass oder Personalausweis als PDF-, JPEG- oder PNG-Datei bis 10 MB. Antworten Sie auf unsere Nachricht mit der Datei im Anhang; ein gut lesbares Foto des Dokuments genügt.",
      fr: "Nous acceptons un passeport ou une carte d'identité nationale en fichier PDF, JPEG ou PNG de 10 Mo au plus. Répondez à notre message avec le fichier en pièce jointe ; une photo nette du document suffit.",
      es: "Aceptamos un pasaporte o documento nacional de identidad en archivo PDF, JPEG o PNG de hasta 10 MB. Responda a nuestro mensaje con el archivo adjunto; basta una foto nítida del documento.",
      nl: "We accepteren een paspoort of identiteitskaart als PDF-, JPEG- of PNG-bestand van maximaal 10 MB. Beantwoord ons bericht met het bestand als bijlage; een duidelijke foto van het document is voldoende.",
    },
  },
  {
    id: "kb.onboarding.duration",
    topic: "how long onboarding takes",
    about:
      /how long|when will|lange|dauert|dauer|wann|combien de temps|quand|durée|cuánto tiempo|cuándo|tarda|hoe lang|wanneer|duurt/,
    text: {
      en: "Once your documents are accepted, screening, billing and activation run on their own; our provisioning system confirms activation within an hour, and you receive a welcome message as soon as your service is active.",
      de: "Sobald Ihre Dokumente akzeptiert sind, laufen Prüfung, Abrechnung und Aktivierung von selbst; unser Bereitstellungssystem bestätigt die Aktivierung innerhalb einer Stunde, und Sie erhalten eine Willkommensnachricht, sobald Ihr Dienst aktiv ist.",
      fr: "Une fois vos documents acceptés, la vérification, la facturation et l'activation se font d'elles-mêmes ; notre système d'approvisionnement confirme l'activation en moins d'une heure, et vous recevez un message de bienvenue dès que votre service est actif.",
      es: "Una vez aceptados sus documentos, la verificación, la facturación y la activación se realizan solas; nuestro sistema de aprovisionamiento confirma la activación en menos de una hora y recibirá un mensaje de bienvenida en cuanto su servicio esté activo.",
      nl: "Zodra uw documenten zijn geaccepteerd, verlopen controle, facturering en activering vanzelf; ons provisioningsysteem bevestigt de activering binnen een uur en u ontvangt een welkomstbericht zodra uw dienst actief is.",
    },
  },
  {
    id: "kb.data.residency",
    topic: "where customer data is kept",
    about:
      /data|daten|données|datos|gegevens|gespeichert|stored|kept|stock|almacen|opgeslagen|rechenzentrum|data cent|centre de données|centro de datos|datacenter|gdpr|dsgvo|rgpd|avg\b|privacy|datenschutz/,
    text: {
      en: "Customers in our EU market (Austria, Belgium, France, Germany, Ireland, Italy, the Netherlands, Poland, Portugal, Spain, Sweden) are served from our eu-west data centre, and we ask for your consent before processing your data there. US customers are served from us-east.",
      de: "Kundinnen und Kunden in unserem EU-Markt (Belgien, Deutschland, Frankreich, Irland, Italien, Niederlande, Österreich, Polen, Portugal, Schweden, Spanien) werden aus unserem Rechenzentrum eu-west bedient, und wir bitten um Ihre Einwilligung, bevor wir Ihre Daten dort verarbeiten. Kunden in den USA werden aus us-east bedient.",
      fr: "Les clients de notre marché UE (Allemagne, Autriche, Belgique, Espagne, France, Irlande, Italie, Pays-Bas, Pologne, Portugal, Suède) sont servis depuis notre centre de données eu-west, et nous demandons votre consentement avant d'y traiter vos données. Les clients aux États-Unis sont servis depuis us-east.",
      es: "Los clientes de nuestro mercado de la UE (Alemania, Austria, Bélgica, España, Francia, Irlanda, Italia, Países Bajos, Polonia, Portugal, Suecia) se atienden desde nuestro centro de datos eu-west, y le pedimos su consentimiento antes de tratar allí sus datos. Los clientes en EE. UU. se atienden desde us-east.",
      nl: "Klanten in onze EU-markt (België, Duitsland, Frankrijk, Ierland, Italië, Nederland, Oostenrijk, Polen, Portugal, Spanje, Zweden) worden bediend vanuit ons datacenter eu-west, en we vragen uw toestemming voordat we uw gegevens daar verwerken. Klanten in de VS worden bediend vanuit us-east.",
    },
  },
  {
    id: "kb.plans.prices",
    topic: "plans and prices",
    about:
      /plan|tarif|price|prix|precio|preis|prijs|cost|kost|cuesta|coûte|fiber|glasfaser|fibre|fibra|glasvezel|mobile|mobil|móvil|mobiel|abonnement|abo\b|suscripción/,
    text: {
      en: "Our plans: Fiber 500 at 39 EUR a month, Fiber 1000 at 59 EUR a month, and Mobile at 19 EUR a month, billed monthly to the payment method you gave us.",
      de: "Unsere Tarife: Glasfaser 500 für 39 EUR im Monat, Glasfaser 1000 für 59 EUR im Monat und Mobil für 19 EUR im Monat, monatlich abgerechnet über die von Ihnen angegebene Zahlungsmethode.",
      fr: "Nos forfaits : Fibre 500 à 39 EUR par mois, Fibre 1000 à 59 EUR par mois et Mobile à 19 EUR par mois, facturés chaque mois sur le moyen de paiement que vous nous avez donné.",
      es: "Nuestros planes: Fibra 500 por 39 EUR al mes, Fibra 1000 por 59 EUR al mes y Móvil por 19 EUR al mes, cobrados mensualmente con el método de pago que nos indicó.",
      nl: "Onze abonnementen: Glasvezel 500 voor 39 EUR per maand, Glasvezel 1000 voor 59 EUR per maand en Mobiel voor 19 EUR per maand, maandelijks gefactureerd via de betaalmethode die u ons gaf.",
    },
  },
  {
    id: "kb.cancellation",
    topic: "cancelling",
    about: /cancel|kündig|storn|widerruf|résili|annul|cancelar|baja|opzeg|annuleer/,
    // Nothing in this workflow cancels: a request to cancel goes to a person (knowledge-base/index.ts), this answers
    // the question whether one can.
    text: {
      en: "You can cancel at any time: tell us, and a person on our onboarding team ends your subscription. A monthly plan then runs to the end of its current billing period.",
      de: "Sie können jederzeit kündigen: Sagen Sie es uns, und eine Person aus unserem Onboarding-Team beendet Ihr Abonnement. Ein Monatstarif läuft dann bis zum Ende des laufenden Abrechnungszeitraums.",
      fr: "Vous pouvez résilier à tout moment : dites-le-nous, et une personne de notre équipe d'inscription met fin à votre abonnement. Un forfait mensuel court alors jusqu'à la fin de la période de facturation en cours.",
      es: "Puede cancelar en cualquier momento: díganoslo y una persona de nuestro equipo de altas finalizará su suscripción. Un plan mensual sigue entonces hasta el final del periodo de facturación en curso.",
      nl: "U kunt op elk moment opzeggen: laat het ons weten en iemand van ons onboardingteam beëindigt uw abonnement. Een maandabonnement loopt dan door tot het einde van de lopende factureringsperiode.",
    },
  },
  {
    id: "kb.about",
    topic: "who we are",
    about:
      /who are you|wer sind sie|wer ist|qui êtes|qui est|quién es|quiénes son|wie bent u|wie zijn jullie|crossflow/,
    text: {
      en: "We are Crossflow Telecom, a fiber and mobile provider in the EU and the US. This onboarding is handled by our automated assistant; a person on our onboarding team takes over whenever it cannot help.",
      de: "Wir sind Crossflow Telecom, ein Glasfaser- und Mobilfunkanbieter in der EU und den USA. Diese Anmeldung bearbeitet unser automatischer Assistent; eine Person aus unserem Onboarding-Team übernimmt, wann immer er nicht helfen kann.",
      fr: "Nous sommes Crossflow Telecom, un fournisseur de fibre et de mobile dans l'UE et aux États-Unis. Cette inscription est traitée par notre assistant automatique ; une personne de notre équipe prend le relais dès qu'il ne peut pas aider.",
      es: "Somos Crossflow Telecom, un proveedor de fibra y móvil en la UE y EE. UU. Este alta la gestiona nuestro asistente automático; una persona de nuestro equipo toma el relevo siempre que no pueda ayudar.",
      nl: "Wij zijn Crossflow Telecom, een aanbieder van glasvezel en mobiel in de EU en de VS. Deze aanmelding wordt afgehandeld door onze automatische assistent; iemand van ons onboardingteam neemt het over wanneer die niet kan helpen.",
    },
  },
];
