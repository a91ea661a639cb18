/**
 * The onboarding's satisfaction survey (version 4 on): once the case resolved, one question by the way the applicant
 * talks to us (SMS when they chose it, else email, in the case's own conversation so the answer comes back to this
 * case), a week for the answer.
 */
import { emailChannel } from "../../connectors/email/client.ts";
import { smsChannel } from "../../connectors/twilio/client.ts";
import type { SatisfactionSurvey } from "../../engine/index.ts";
import { type Application, smsNumber } from "./application.ts";
import { replyText } from "./replies.ts";

export const ONBOARDING_SURVEY: SatisfactionSurvey<{ application: Application }> = {
  question: {
    en: "Your Crossflow Telecom service is set up. How satisfied are you with how we handled your application? Reply with a number from 1 (not at all) to 5 (very).",
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
