/**
 * Triggers typed from a connector's events schemas: each connector's `events.ts` names its webhook source and the
 * zod schema of each event type it sends, and a workflow builds its triggers from that, so its case-key extractors
 * read the fields the schema declares and a misspelt one fails to compile instead of dead-lettering events.
 */
import type { z } from "zod";
import type { Trigger } from "../engine/index.ts";

/**
 * The fields a schema declares. Loose schemas (`.passthrough()`) accept any other key, which zod types as an index
 * signature (`[key: string]: unknown`); dropped here, so reading a field the schema does not name is a type error
 * rather than `unknown`.
 */
export type Declared<T> = T extends readonly (infer U)[]
  ? Declared<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: Declared<T[K]> }
    : T;

/** A connector's webhook schemas by event type, e.g. `{ "invoice.paid": StripeInvoiceEvent }`. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** The payload of events of type `K` (a union of types gives the union of their payloads). */
export type PayloadOf<S extends EventSchemas, K extends keyof S> = Declared<z.output<S[K]>>;

/** Everything of a trigger but where its events come from, which the connector knows. */
export type TriggerSpec<P> = Omit<Trigger<P>, "source" | "events">;

export interface WebhookEvents<S extends EventSchemas> {
  /** The ingest source these events arrive on (`POST /hooks/<source>`). */
  source: string;
  /** The schema of each event type, e.g. `stripeWebhooks.events["invoice.payment_failed"]`. */
  events: S;
  /**
   * A trigger for events of `type` (or of any of several types), whose callbacks see the payload as the schema
   * declares it.
   * @example stripeWebhooks.on("invoice.paid", { caseKey: (e) => e.data.object.customer_email, opens: false })
   */
  on<K extends keyof S & string>(type: K | readonly K[], spec: TriggerSpec<PayloadOf<S, K>>): Trigger<PayloadOf<S, K>>;
}

/**
 * The webhook events a connector's source delivers, with a builder of typed triggers over them.
 * @example
 * export const stripeWebhooks = webhookEvents("stripe", stripeEvents);
 * stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => email(e.data.object.customer_email) });
 */
export function webhookEvents<S extends EventSchemas>(source: string, events: S): WebhookEvents<S> {
  return {
    source,
    events,
    on: (type, spec) => ({ ...spec, source, events: typeof type === "string" ? [type] : [...type] }),
  };
}
