/**
 * Crossflow on Deno: the same Hono app, ingest, workflows and case runtime as the Cloudflare worker, with cases
 * and dead letters in Deno KV (a local SQLite-backed file when self-hosted, the managed KV on Deno Deploy) and
 * metrics to the same libSQL/Turso database. `deno task start` (see deno.json).
 *
 * Configuration, later sources winning: wrangler.toml's `[vars]` (webhook sources, rate-limit period), then
 * `.dev.vars` (else `.dev.vars.example`) when present, then the process environment. `PORT` (default 8788),
 * `HOST` (default 127.0.0.1), `CROSSFLOW_KV_PATH` (default `.data/deno-kv.sqlite3`; unset on Deno Deploy),
 * `CROSSFLOW_CASE_CACHE` (cases kept loaded, default 5,000; see case-host.ts).
 * With `AUDIT_SIGNING_KEY`, a daily `Deno.cron` (the worker's cron time) signs the previous UTC day's manifest of
 * audit chain heads, and so does each start, for a server that was down at that hour (README, "Audit trails").
 */
import { parse as parseToml } from "smol-toml";
import { databaseSource, type MetricsDatabase, openDatabase } from "../../../db/client.ts";
import { DOCUMENTS_BINDING, inProcessReader } from "../../agent/documents/index.ts";
import { modelResolver } from "../../agent/models.ts";
import { checkAlerts } from "../../alerts/check.ts";
import type { Config } from "../../config.ts";
import type { WorkflowDefinition } from "../../engine/index.ts";
import { createApp, type Platform } from "../../http/index.ts";
import { lastFullDay, writeDailyManifest } from "../../metrics/audit-manifest.ts";
import { batchingDelivery, writeMetricBatches } from "../../metrics/index.ts";
import { log } from "../../observability/index.ts";
import { evaluateAutonomy } from "../../rollouts/autonomy.ts";
import { autonomyLevels } from "../../rollouts/autonomy-levels.ts";
import { checkRollouts, checkSoon } from "../../rollouts/check.ts";
import { policiesInForce } from "../../rollouts/policies.ts";
import { rolloutShares } from "../../rollouts/shares.ts";
import { WORKFLOWS } from "../../workflows/index.ts";
import { parseDotenv } from "../dotenv.ts";
import { DenoCaseHost } from "./case-host.ts";
import { kvDeadLetters } from "./kv-dead-letters.ts";
import { indexKvQueue } from "./kv-queue-index.ts";
import { kvRateLimiter } from "./rate-limit.ts";

/** Deno KV takes at most 800 KiB in one atomic write; a webhook body and its case records must fit in it. */
const MAX_BODY_BYTES = 512 * 1024;
const ROOT = new URL("../../../", import.meta.url);

async function readText(name: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(new URL(name, ROOT));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

export async function loadConfig(): Promise<Config & Record<string, unknown>> {
  const wrangler = parseToml((await readText("wrangler.toml")) ?? "") as { vars?: Record<string, unknown> };
  const devVars = (await readText(".dev.vars")) ?? (await readText(".dev.vars.example")) ?? "";
  return { ...(wrangler.vars ?? {}), ...parseDotenv(devVars), ...Deno.env.toObject() };
}

/** Signs the last full UTC day's manifest now and then daily at the worker's cron time, once per day, until `signal`. */
function scheduleAuditManifests(db: MetricsDatabase, signingKey: string | undefined, signal: AbortSignal): void {
  if (!signingKey) {
    log.warn("audit manifest: AUDIT_SIGNING_KEY is not set; no daily manifest of audit chain heads is signed");
    return;
  }
  const sign = async () => {
    const day = lastFullDay(Date.now());
    try {
      const signed = await writeDailyManifest(db, signingKey, day);
      log.info("audit manifest", signed ? { day, cases: signed.cases } : { day, alreadySigned: true });
    } catch (error) {
      log.error("audit manifest: signing failed, the next start or cron run tries again", { day, error });
    }
  };
  void sign();
  Deno.cron("crossflow audit manifest", "17 3 * * *", { signal }, sign);
}

/**
 * @example
 * const server = await startDenoServer({ port: 0 });
 * console.log(server.url);
 */
export async function startDenoServer(
  options: {
    port?: number;
    hostname?: string;
    kvPath?: string;
    /** The deployed workflow versions (default the product's, workers/workflows): a test entry adds its own. */
    workflows?: readonly WorkflowDefinition[];
  } = {},
) {
  const workflows = options.workflows ?? WORKFLOWS;
  // The document reader runs in this process (on Cloudflare it is a Worker of its own behind the DOCUMENTS binding).
  const config: Config & Record<string, unknown> = { ...(await loadConfig()), [DOCUMENTS_BINDING]: inProcessReader };
  const kvPath =
    options.kvPath ??
    (config.CROSSFLOW_KV_PATH as string | undefined) ??
    new URL(".data/deno-kv.sqlite3", ROOT).pathname;
  if (kvPath) await Deno.mkdir(new URL(".", `file://${kvPath}`), { recursive: true });
  const kv = await Deno.openKv(kvPath);
  // Every case timer is a queued KV message: without this index each delivery scans them all (kv-queue-index.ts).
  indexKvQueue(kvPath);
  // Deno has no Cloudflare Queue: case runtimes write their metric batches to libSQL directly (same writer, same rows),
  // through one process-wide writer that commits the batches of many cases together, as the queue's consumer does.
  const db = config.TURSO_DATABASE_URL
    ? openDatabase({ url: config.TURSO_DATABASE_URL, authToken: config.TURSO_AUTH_TOKEN })
    : null;
  // After each write, a canary's guards may have new evidence: they are checked soon (throttled) and every minute.
  const source = databaseSource({ url: config.TURSO_DATABASE_URL, authToken: config.TURSO_AUTH_TOKEN });
  const guardsSoon = source ? checkSoon(source, config, { runtime: "deno" }) : null;
  const delivery = db
    ? batchingDelivery(async (batches) => {
        await writeMetricBatches(db, batches);
        void guardsSoon?.();
      })
    : null;
  const metrics = () => delivery;
  const cron = new AbortController();
  if (db) scheduleAuditManifests(db, config.AUDIT_SIGNING_KEY, cron.signal);
  if (db)
    Deno.cron("crossflow rollout guards", "* * * * *", { signal: cron.signal }, () =>
      Promise.all([
        checkRollouts(db, { config, runtime: "deno" }),
        evaluateAutonomy(db, Date.now(), workflows),
        // The admins' alert rules, told once per crossing (workers/alerts/check.ts logs its own failures).
        checkAlerts(db, { config: config as unknown as Record<string, unknown>, now: Date.now() }),
      ]).then(
        () => {},
        (error: unknown) => log.error("rollouts: guard check failed; the next minute tries again", { error }),
      ),
    );
  const cases = new DenoCaseHost(kv, {
    workflows,
    models: modelResolver(config),
    autonomy: autonomyLevels(source),
    policies: policiesInForce(source),
    config,
    metrics,
    ...(Number(config.CROSSFLOW_CASE_CACHE) > 0 ? { cacheLimit: Number(config.CROSSFLOW_CASE_CACHE) } : {}),
  });
  const limit = Number(config.INGEST_RATE_LIMIT ?? 50_000);
  const period = Number(config.INGEST_RATE_LIMIT_PERIOD ?? 60);
  const platform: Platform = {
    workflows,
    cases,
    deadLetters: kvDeadLetters(kv),
    metrics,
    rollouts: rolloutShares(source),
    rateLimit: kvRateLimiter(kv, limit, period * 1000),
    admission: () => cases.admission(),
    maxBodyBytes: MAX_BODY_BYTES,
    // The customer's chat (`GET /chat/:token/socket`): Deno.upgradeWebSocket in the case host, which keeps the sockets.
    chatSocket: async (caseId, request) => cases.chatSocket(caseId, request),
  };
  const app = createApp(() => platform);
  const server = Deno.serve(
    {
      port: options.port ?? Number(config.PORT ?? 8788),
      hostname: options.hostname ?? (config.HOST as string | undefined) ?? "127.0.0.1",
      onListen: () => {},
    },
    (request) => app.fetch(request, config),
  );
  const { hostname, port } = server.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${port}`,
    cases,
    async close() {
      cron.abort();
      await server.shutdown();
      kv.close();
    },
  };
}

/**
 * Serves until SIGINT: `deno task start`, or a test entry with workflows of its own.
 * @example await serveUntilInterrupted({ workflows: [...WORKFLOWS, candidate] });
 */
export async function serveUntilInterrupted(options: Parameters<typeof startDenoServer>[0] = {}) {
  const server = await startDenoServer(options);
  log.info("crossflow on Deno: serving, cases in Deno KV", { url: server.url });
  Deno.addSignalListener("SIGINT", async () => {
    await server.close();
    Deno.exit(0);
  });
}

if (import.meta.main) await serveUntilInterrupted();
