/**
 * The onboarding's satisfaction survey (version 4 on): once the case resolved, one question by the way the applicant
 * talks to us (SMS when they chose it, else email, in the case's own conversation so the answer comes back to this
 * case), in the language the case spoke last, a week for the answer.
 */
import { emailChannel } from "../../connectors/email/client.ts";
import { smsChannel } from "../../connectors/twilio/client.ts";
import type { SatisfactionSurvey } from "../../engine/index.ts";
import { type Application, smsNumber } from "./application.ts";
import { replyText } from "./replies.ts";

export const ONBOARDING_SURVEY: SatisfactionSurvey<{ application: Application }> = {
  question: {
    en: "Your Crossflow Telecom service is set up. How satisfied are you with how we handled your application? Reply with a number from 1 (not at all) to 5 (very).",
    de: "Ihr Crossflow-Telecom-Dienst ist eingerichtet. Wie zufrieden sind Sie mit der Bearbeitung Ihres Antrags? Antworten Sie mit einer Zahl von 1 (gar nicht) bis 5 (sehr).",
    fr: "Votre service Crossflow Telecom est activé. Êtes-vous satisfait de la façon dont nous avons traité votre demande ? Répondez par un chiffre de 1 (pas du tout) à 5 (très).",
    es: "Su servicio de Crossflow Telecom está listo. ¿Qué tan satisfecho está con cómo gestionamos su solicitud? Responda con un número del 1 (nada) al 5 (mucho).",
    nl: "Uw Crossflow Telecom-dienst is ingericht. Hoe tevreden bent u over de afhandeling van uw aanvraag? Antwoord met een cijfer van 1 (helemaal niet) tot 5 (zeer).",
  },
  // The language the case's conversation ended in, which version 4 records with its resolution (English before).
  language: (_input, resolution) => {
    const language = resolution?.detail?.language;
    return typeof language === "string" ? language : "en";
  },
  channel: ({ input, config, conversation }) => {
    const sms = smsNumber(input.application);
    return sms
      ? smsChannel(config, { to: sms }, conversation)
      : emailChannel(config, { to: input.application.email, subject: "How did we do?" }, conversation);
  },
  replyText,
  wait: "7d",
};
