/**
 * The case Durable Object: one per workflow case. The case runtime (shared with the Deno adapter) does the work;
 * this class gives it the object's SQLite storage and alarm, and exposes it over RPC.
 */
import { DurableObject } from "cloudflare:workers";
import { databaseSource } from "../../../db/client.ts";
import { modelResolver } from "../../agent/models.ts";
import type { ModelResolver } from "../../agent/types.ts";
import {
  type ChatFrame,
  type ChatSocketState,
  chatEnvelope,
  handoverFrame,
  newChatSocketState,
  newLines,
  readChatFrame,
} from "../../case/chat.ts";
import {
  type CaseJournal,
  type CaseOperation,
  CaseRuntime,
  type CaseView,
  type DecisionInput,
  type DecisionResult,
  type OperationResult,
} from "../../case/runtime.ts";
import type { CaseHeader } from "../../case/storage.ts";
import {
  type AuditEntry,
  aliasRecordId,
  type CaseIngestResult,
  type ChainVerdict,
  type EventEnvelope,
  type WorkflowDefinition,
} from "../../engine/index.ts";
import { autonomyLevels } from "../../rollouts/autonomy-levels.ts";
import { policiesInForce } from "../../rollouts/policies.ts";
import { WORKFLOWS } from "../../workflows/index.ts";
import type { Env } from "./env.ts";
import { metricsDelivery } from "./metrics.ts";
import { SqliteCaseStore } from "./sqlite-case-store.ts";

export type { CaseView, DecisionInput, DecisionResult, TimelineEntry } from "../../case/runtime.ts";

export class CaseObject extends DurableObject<Env> {
  /** The deployed workflow versions; a case runs the one it opened with. */
  protected readonly workflows: readonly WorkflowDefinition[] = WORKFLOWS;
  private runtime: CaseRuntime | null = null;

  /** Which model each agent step uses: from the bindings (see workers/agent/models.ts). */
  protected models(): ModelResolver {
    return modelResolver(this.env as unknown as Record<string, unknown>);
  }

  /** The case's clock (tests drive timers through it). */
  protected now(): number {
    return Date.now();
  }

  /** Built on first use, so a subclass's `workflows` and `now` are the ones it runs with. */
  private get engine(): CaseRuntime {
    const storage = this.ctx.storage;
    this.runtime ??= new CaseRuntime(
      new SqliteCaseStore(storage),
      { get: () => storage.getAlarm(), set: (at) => storage.setAlarm(at), delete: () => storage.deleteAlarm() },
      {
        workflows: this.workflows,
        now: () => this.now(),
        models: this.models(),
        autonomy: autonomyLevels(
          databaseSource({ url: this.env.TURSO_DATABASE_URL, authToken: this.env.TURSO_AUTH_TOKEN }),
        ),
        policies: policiesInForce(
          databaseSource({ url: this.env.TURSO_DATABASE_URL, authToken: this.env.TURSO_AUTH_TOKEN }),
        ),
        config: this.env as unknown as Record<string, unknown>,
        aliases: {
          register: (alias, caseKey) =>
            this.env.CASES.getByName(aliasRecordId(alias.kind, alias.value)).recordAlias(caseKey),
        },
        metrics: () => metricsDelivery(this.env),
      },
    );
    return this.runtime;
  }

  ingest(event: EventEnvelope): Promise<CaseIngestResult> {
    return this.engine.ingest(event);
  }

  decide(input: DecisionInput): Promise<DecisionResult | null> {
    return this.engine.decide(input);
  }

  operate(op: CaseOperation): Promise<OperationResult | null> {
    return this.engine.operate(op);
  }

  refuseAction(actorId: string | null, refusal: { code: string; message: string }): Promise<boolean> {
    return this.engine.refuseAction(actorId, refusal);
  }

  head(): Promise<CaseHeader | null> {
    return this.engine.head();
  }

  view(): Promise<CaseView | null> {
    return this.engine.view();
  }

  audit(): Promise<{ entries: AuditEntry[]; verification: ChainVerdict } | null> {
    return this.engine.audit();
  }

  journal(): Promise<CaseJournal | null> {
    return this.engine.journal();
  }

  /**
   * Alias records live in objects of their own (`alias:<kind>:<value>`), outside any case: these two methods are all
   * such an object does, in its own key-value storage (a case's tables are never created there).
   */
  async aliasOf(): Promise<string | null> {
    return (await this.ctx.storage.get<string>("alias-of")) ?? null;
  }

  async recordAlias(caseKey: string): Promise<void> {
    await this.ctx.storage.put("alias-of", caseKey);
  }

  async alarm(): Promise<void> {
    await this.engine.alarm();
    // After each burst: what the case said or heard meanwhile goes to the customer's open chat pages.
    await this.pushConversation();
  }

  /**
   * The customer's chat socket (the Worker verified the link and forwards the upgrade here). Accepted with the
   * hibernation API: the object may sleep while the page stays open; each socket's state lives in its attachment.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return Response.json(
        { error: { code: "upgrade_required", message: "a WebSocket upgrade is expected" } },
        { status: 426 },
      );
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const state = newChatSocketState(Date.now());
    // On connect: the conversation so far.
    const journal = await this.engine.journal();
    for (const frame of [newLines(journal, state), handoverFrame(journal)])
      if (frame) server.send(JSON.stringify(frame));
    server.serializeAttachment(state);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = (ws.deserializeAttachment() as ChatSocketState | null) ?? newChatSocketState(Date.now());
    const read = readChatFrame(message, state, Date.now());
    ws.serializeAttachment(state);
    if ("error" in read) return send(ws, read.error);
    const built = chatEnvelope(await this.engine.head(), read.text, crypto.randomUUID(), this.now());
    if ("error" in built) return send(ws, built.error);
    // The same case ingest as an email or SMS reply: stored before it is acknowledged, then run by the alarm.
    const result = await this.engine.ingest(built.envelope);
    send(
      ws,
      result.status === "accepted" || result.status === "duplicate"
        ? { type: "accepted" }
        : { type: "error", code: "case_ended", message: "This conversation has ended: please contact us by email." },
    );
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // Already closed by the runtime.
    }
  }

  /** Sends each open chat socket the conversation lines it has not seen yet (derived from the case's record). */
  private async pushConversation(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const journal = await this.engine.journal();
    if (!journal) return;
    const handover = handoverFrame(journal);
    for (const ws of sockets) {
      const state = (ws.deserializeAttachment() as ChatSocketState | null) ?? newChatSocketState(Date.now());
      const frame = newLines(journal, state);
      if (frame) send(ws, frame);
      if (handover) send(ws, handover);
      ws.serializeAttachment(state);
    }
  }
}

function send(ws: WebSocket, frame: ChatFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The page went away meanwhile; it gets the conversation again when it reconnects.
  }
}
