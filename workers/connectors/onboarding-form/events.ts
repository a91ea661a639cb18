/** What the signup form sends: `application.submitted` on the configured generic-HMAC `onboarding-form` source. */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const ApplicationSubmitted = z
  .object({
    event: z.literal("application.submitted"),
    application: z.object({
      email: z.string().email(),
      name: z.string().min(1),
      birthDate: z.string(),
      country: z.string().length(2),
      plan: z.string(),
      paymentMethod: z.string(),
      consent: z.boolean().optional(),
      phone: z.string().optional(),
      contactBy: z.enum(["email", "sms"]).optional(),
      documents: z.array(
        z.object({
          type: z.string(),
          fileName: z.string(),
          contentType: z.string(),
          sizeBytes: z.number().int().nonnegative(),
          /** The file, base64 (the body's size limit bounds it). */
          content: z.string().optional(),
        }),
      ),
    }),
  })
  .passthrough();

/** @example onboardingFormEvents["application.submitted"].safeParse(payload).success */
export const onboardingFormEvents = { "application.submitted": ApplicationSubmitted } as const;

/**
 * Typed triggers on the `onboarding-form` source.
 * @example onboardingFormWebhooks.on("application.submitted", { caseKey: (e) => email(e.application.email) })
 */
export const onboardingFormWebhooks = webhookEvents("onboarding-form", onboardingFormEvents);
