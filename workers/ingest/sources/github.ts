import { githubScheme } from "../schemes/index.ts";
import { DEFAULT_MAX_BODY_BYTES, type WebhookSource } from "../source.ts";
import { field, text } from "./fields.ts";

/** GitHub: id in `X-GitHub-Delivery`, type `<X-GitHub-Event>.<action>`. */
export const github: WebhookSource = {
  name: "github",
  scheme: githubScheme,
  secretBinding: "GITHUB_WEBHOOK_SECRET",
  accepts: ["json"],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  deliveries({ headers, body }) {
    const id = headers.get("x-github-delivery");
    const event = headers.get("x-github-event");
    if (!id) return { error: "X-GitHub-Delivery header is required" };
    if (!event) return { error: "X-GitHub-Event header is required" };
    const action = text(field(body, "action"));
    return [{ id, type: action ? `${event}.${action}` : event, payload: body }];
  },
};
