/**
 * Sources declared in configuration (`WEBHOOK_SOURCES` in wrangler.toml): any Standard Webhooks sender, and any
 * HMAC-signing sender, without code. Validated with zod when first read; a bad entry fails loudly.
 */
import { z } from "zod";
import { epochMs, field, text } from "./fields.ts";
import { genericHmacScheme } from "./generic-hmac.ts";
import { contentId, DEFAULT_MAX_BODY_BYTES, type WebhookSource } from "./source.ts";
import { standardWebhooksScheme } from "./standard-webhooks.ts";

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "source names are lowercase kebab-case, at most 40 characters");
const binding = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "secret bindings are SCREAMING_SNAKE_CASE");
const common = {
  name,
  secretBinding: binding,
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .optional(),
  /** Dotted path of the event type in the payload. */
  typeField: z.string().optional(),
};

const StandardWebhooksSource = z.object({
  ...common,
  scheme: z.literal("standard-webhooks"),
  toleranceSeconds: z.number().positive().optional(),
});
const HmacSource = z
  .object({
    ...common,
    scheme: z.literal("hmac"),
    header: z.string().min(1),
    hash: z.enum(["SHA-1", "SHA-256", "SHA-512"]),
    encoding: z.enum(["hex", "base64"]),
    prefix: z.string().optional(),
    timestampHeader: z.string().optional(),
    toleranceSeconds: z.number().positive().optional(),
    signedContent: z.string().includes("{body}").optional(),
    idHeader: z.string().optional(),
    idField: z.string().optional(),
    typeHeader: z.string().optional(),
  })
  .refine((s) => s.idHeader || s.idField, { message: "an hmac source needs idHeader or idField to name each delivery" })
  .refine((s) => s.typeHeader || s.typeField, { message: "an hmac source needs typeHeader or typeField" });

export const CustomSourcesConfig = z.array(z.discriminatedUnion("scheme", [StandardWebhooksSource, HmacSource]));
export type CustomSourceConfig = z.infer<typeof StandardWebhooksSource> | z.infer<typeof HmacSource>;

export function customSource(config: CustomSourceConfig): WebhookSource {
  if (config.scheme === "standard-webhooks") {
    const typeField = config.typeField ?? "type";
    return {
      name: config.name,
      scheme: standardWebhooksScheme({ toleranceSeconds: config.toleranceSeconds }),
      secretBinding: config.secretBinding,
      accepts: ["json"],
      maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      deliveries({ headers, body }) {
        const id = headers.get("webhook-id");
        const type = text(field(body, typeField));
        if (!id || !type)
          return { error: `a ${config.name} event needs the webhook-id header and a ${typeField} field` };
        return [
          {
            id,
            type,
            occurredAt: epochMs(field(body, "timestamp")) ?? epochMs(Number(headers.get("webhook-timestamp"))),
            payload: body,
          },
        ];
      },
    };
  }
  const parsed = config;
  return {
    name: parsed.name,
    scheme: genericHmacScheme(parsed),
    secretBinding: parsed.secretBinding,
    accepts: ["json"],
    maxBodyBytes: parsed.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    // The signed content is the body (and a timestamp), never a header: an id header could be swapped on a captured
    // request, so such deliveries are named by the body's digest; an id field is signed and names them as is.
    contentIdentity: parsed.idHeader !== undefined,
    deliveries(request) {
      const { headers, body } = request;
      const senderId = parsed.idHeader
        ? (headers.get(parsed.idHeader) ?? undefined)
        : text(field(body, parsed.idField!));
      const type = parsed.typeHeader
        ? (headers.get(parsed.typeHeader) ?? undefined)
        : text(field(body, parsed.typeField!));
      if (!senderId || !type)
        return {
          error: `a ${parsed.name} event needs ${parsed.idHeader ?? parsed.idField} and ${parsed.typeHeader ?? parsed.typeField}`,
        };
      return [
        parsed.idHeader
          ? { id: contentId(request), senderId, type, payload: body }
          : { id: senderId, type, payload: body },
      ];
    },
  };
}

/** Parses `WEBHOOK_SOURCES` (a JSON string or the object wrangler gives for a TOML array). */
export function parseCustomSources(raw: unknown): CustomSourceConfig[] {
  if (raw === undefined || raw === null || raw === "") return [];
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new TypeError("WEBHOOK_SOURCES is not valid JSON", { cause });
    }
  }
  const result = CustomSourcesConfig.safeParse(value);
  if (!result.success) throw new TypeError(`WEBHOOK_SOURCES is invalid: ${z.prettifyError(result.error)}`);
  return result.data;
}
