/** Reading the customer's reply the same way whether it came by email, by SMS or in the chat. */
import { isChatMessage } from "../../connectors/chat/events.ts";
import type { CaseEvent } from "../../engine/index.ts";

const isSms = (reply: CaseEvent) => reply.source === "twilio";

export const replyText = (reply: CaseEvent) =>
  isChatMessage(reply.payload)
    ? reply.payload.text
    : isSms(reply)
      ? String((reply.payload as { Body?: string }).Body ?? "")
      : String((reply.payload as { data?: { text?: string } })?.data?.text ?? "");

/** An attachment as the email provider describes it; `content` (base64) when it carries the file itself. */
export interface Attachment {
  filename?: string;
  content_type?: string;
  size?: number;
  content?: string;
}

/** The reply's first attachment: an email's, or an MMS's media (Twilio gives its type, not its size); a chat has none. */
export function attachmentOf(reply: CaseEvent): Attachment | undefined {
  if (isChatMessage(reply.payload)) return undefined;
  if (!isSms(reply)) return (reply.payload as { data?: { attachments?: Attachment[] } }).data?.attachments?.[0];
  const mms = reply.payload as { NumMedia?: string; MediaUrl0?: string; MediaContentType0?: string };
  return Number(mms.NumMedia ?? 0) > 0
    ? { filename: mms.MediaUrl0?.split("/").at(-1) ?? "mms-0", content_type: mms.MediaContentType0, size: 0 }
    : undefined;
}
