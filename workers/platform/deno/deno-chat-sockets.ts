/**
 * The customers' chat sockets on Deno, per case: upgraded with `Deno.upgradeWebSocket`, sent the conversation so far,
 * kept until they close; their messages become the case's `chat` events through the case's own ingest
 * (workers/case/chat.ts, as the Durable Object does). The case host owns the cases and hands each call in.
 */
import {
  type ChatFrame,
  type ChatSocketState,
  chatEnvelope,
  handoverFrame,
  newChatSocketState,
  newLines,
  readChatFrame,
} from "../../case/chat.ts";
import type { CaseRuntime } from "../../case/runtime.ts";
import { log } from "../../observability/index.ts";

/** Runs `fn` on the case once every earlier call for it has finished (the host's `withCase`). */
export type WithCase = <T>(caseId: string, fn: (runtime: CaseRuntime) => Promise<T>) => Promise<T>;

export class DenoChatSockets {
  /** The open sockets, per case, each with what it was sent and its rate window. */
  private readonly open = new Map<string, Map<WebSocket, ChatSocketState>>();

  constructor(
    private readonly withCase: WithCase,
    private readonly now: () => number,
  ) {}

  /** The customer's chat socket for `caseId` (the HTTP app verified the link). */
  accept(caseId: string, request: Request): Response {
    const { socket, response } = Deno.upgradeWebSocket(request);
    const state = newChatSocketState(Date.now());
    socket.onopen = () => {
      const sockets = this.open.get(caseId) ?? new Map<WebSocket, ChatSocketState>();
      sockets.set(socket, state);
      this.open.set(caseId, sockets);
      void this.withCase(caseId, (c) => this.push(caseId, c)).catch((error: unknown) =>
        log.error("chat: the conversation could not be sent", { case: caseId, error }),
      );
    };
    socket.onmessage = (event) => {
      const read = readChatFrame(event.data as string | ArrayBuffer, state, Date.now());
      if ("error" in read) return sendFrame(socket, read.error);
      void this.withCase(caseId, async (c) => {
        const built = chatEnvelope(await c.head(), read.text, crypto.randomUUID(), this.now());
        if ("error" in built) return sendFrame(socket, built.error);
        const result = await c.ingest(built.envelope);
        sendFrame(
          socket,
          result.status === "accepted" || result.status === "duplicate"
            ? { type: "accepted" }
            : {
                type: "error",
                code: "case_ended",
                message: "This conversation has ended: please contact us by email.",
              },
        );
      }).catch((error: unknown) => {
        log.error("chat: a message could not be stored", { case: caseId, error });
        sendFrame(socket, {
          type: "error",
          code: "not_stored",
          message: "The message was not stored: please send it again.",
        });
      });
    };
    socket.onclose = () => {
      const sockets = this.open.get(caseId);
      sockets?.delete(socket);
      if (sockets?.size === 0) this.open.delete(caseId);
    };
    return response;
  }

  /** Sends each open socket of the case the conversation lines it has not seen yet (from the case's record). */
  async push(caseId: string, runtime: CaseRuntime): Promise<void> {
    const sockets = this.open.get(caseId);
    if (!sockets || sockets.size === 0) return;
    const journal = await runtime.journal();
    if (!journal) return;
    const handover = handoverFrame(journal);
    for (const [socket, state] of sockets) {
      const frame = newLines(journal, state);
      if (frame) sendFrame(socket, frame);
      if (handover) sendFrame(socket, handover);
    }
  }
}

function sendFrame(socket: WebSocket, frame: ChatFrame): void {
  // A page that went away meanwhile gets the conversation again when it reconnects.
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}
