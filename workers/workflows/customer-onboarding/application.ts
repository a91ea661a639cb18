/** What the signup form sends: the applicant, their documents, and how they want to be reached. */
import { e164 } from "../../connectors/twilio/client.ts";

export interface ApplicationDocument {
  type: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** The file itself, base64, when the form uploads it: the workflow then reads it instead of trusting its type. */
  content?: string;
}

export interface Application {
  email: string;
  name: string;
  birthDate: string;
  country: string;
  plan: string;
  paymentMethod: string;
  consent?: boolean;
  documents: ApplicationDocument[];
  /** E.164 (`+4915112345678`); with `contactBy: "sms"` (version 2 on) the conversation is by SMS. */
  phone?: string;
  contactBy?: "email" | "sms";
}

/** The number an applicant asked to be texted at (version 2), or null for email. */
export const smsNumber = (app: Partial<Application> | undefined) => (app?.contactBy === "sms" ? e164(app.phone) : null);
