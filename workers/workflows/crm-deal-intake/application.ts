/**
 * The onboarding application a CRM record describes, whichever CRM holds it: the values it needs, each read from
 * the CRM's own field, and the names of the fields that lack one (so the person who completes the record sees them
 * as the CRM calls them).
 */
import { z } from "zod";
import type { Application } from "../customer-onboarding/index.ts";

/** The documents field holds the files' metadata as JSON (CRM custom fields are text). */
const Documents = z.array(
  z.object({
    type: z.string().min(1),
    fileName: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int().nonnegative(),
  }),
);

/** A value read from the CRM, with the name of the field it came from. */
export type Field = { name: string; value: unknown };

export interface CrmApplicationFields {
  email: Field;
  firstname: Field;
  lastname: Field;
  birthDate: Field;
  country: Field;
  plan: Field;
  paymentMethod: Field;
  documents: Field;
  phone: Field;
  preferredChannel: Field;
  /** `true` (a checkbox) or `"true"` (a text property) means the customer agreed. */
  consent: Field;
}

const text = (f: Field) => (typeof f.value === "string" && f.value.trim() !== "" ? f.value.trim() : undefined);

function documentsOf(f: Field): z.infer<typeof Documents> | undefined {
  try {
    const parsed = Documents.safeParse(JSON.parse(text(f) ?? "null"));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: reported as a missing field.
    return undefined;
  }
}

/**
 * @example
 * const built = applicationOf({ email: { name: "PersonEmail", value: account.PersonEmail }, … });
 * if ("missing" in built) escalate(built.missing);
 */
export function applicationOf(f: CrmApplicationFields): { application: Application } | { missing: string[] } {
  const required = [f.email, f.firstname, f.birthDate, f.country, f.plan, f.paymentMethod];
  const documents = documentsOf(f.documents);
  const missing = [...required.filter((field) => !text(field)).map((field) => field.name)];
  if (!documents) missing.push(f.documents.name);
  if (missing.length > 0) return { missing };
  const phone = text(f.phone);
  return {
    application: {
      email: text(f.email)!,
      name: [text(f.firstname), text(f.lastname)].filter(Boolean).join(" "),
      birthDate: text(f.birthDate)!,
      country: text(f.country)!.toUpperCase(),
      plan: text(f.plan)!,
      paymentMethod: text(f.paymentMethod)!,
      consent: f.consent.value === true || f.consent.value === "true",
      documents: documents!,
      ...(phone ? { phone } : {}),
      ...(text(f.preferredChannel)?.toLowerCase() === "sms" ? { contactBy: "sms" as const } : {}),
    },
  };
}
