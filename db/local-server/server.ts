/**
 * A local libSQL endpoint over HTTP (Hrana 2 pipeline protocol), serving one libSQL database file.
 * It stands in for Turso Cloud on a developer machine: the workers and the dashboard talk to it with the
 * very client (`@libsql/client/web`) they use against Turso in production.
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import Database from "libsql";
import { HranaStream, type StreamRequest } from "./hrana.ts";

export interface LibsqlServerOptions {
  /** Path of the libSQL database file. */
  file: string;
  port?: number;
  host?: string;
  /** When set, every request must carry `Authorization: Bearer <authToken>`, as Turso requires. */
  authToken?: string;
  /** Streams idle for longer than this are closed and their open transaction rolled back. */
  streamIdleMs?: number;
}

export interface LibsqlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface OpenStream {
  stream: HranaStream;
  timer: NodeJS.Timeout;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Constant-time: both sides are hashed to the same length first, so neither a prefix nor the length leaks. */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(req.headers.authorization ?? ""), digest(`Bearer ${token}`));
}

/**
 * How the local endpoint (and the benchmark's embedded writer, to compare like with like) opens the metrics file.
 * WAL with synchronous=NORMAL is SQLite's recommended pairing: commits survive a process crash, and only an OS crash
 * or power loss can roll back the last few; acceptable for the local stand-in, Turso has its own. The metrics
 * writer commits a queue batch at a time, so the WAL is checkpointed every 10,000 pages (~40 MB) rather than 1,000:
 * fewer checkpoints, each copying more (measured on the metrics bench's 257k rows: the writer's commits took 1.05 s
 * in all instead of 1.83 s).
 */
export const WRITER_PRAGMAS =
  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;";

export function startLibsqlServer(options: LibsqlServerOptions): Promise<LibsqlServer> {
  const idleMs = options.streamIdleMs ?? 10_000;
  const open = new Map<string, OpenStream>();
  const idle: Database.Database[] = [];

  const connect = (): Database.Database => {
    const reused = idle.pop();
    if (reused) return reused;
    const db = new Database(options.file);
    db.exec(`${WRITER_PRAGMAS} PRAGMA busy_timeout = 0; PRAGMA foreign_keys = ON;`);
    return db;
  };
  const release = (stream: HranaStream) => {
    // A connection left inside a transaction must not leak its locks into the next stream.
    if (stream.db.inTransaction) stream.db.exec("ROLLBACK");
    idle.push(stream.db);
  };

  const pipeline = (body: { baton?: string | null; requests?: StreamRequest[] }) => {
    let stream: HranaStream;
    if (body.baton) {
      const entry = open.get(body.baton);
      if (!entry)
        return { status: 400, body: { message: "stream baton is unknown or has expired", code: "STREAM_EXPIRED" } };
      clearTimeout(entry.timer);
      open.delete(body.baton);
      stream = entry.stream;
    } else {
      stream = new HranaStream(connect());
    }
    if (!Array.isArray(body.requests)) {
      release(stream);
      return { status: 400, body: { message: "pipeline body needs a requests array", code: "BAD_REQUEST" } };
    }
    const results = body.requests.map((request) => stream.handle(request));
    const closed = body.requests.some((r) => r.type === "close");
    if (closed) {
      release(stream);
      return { status: 200, body: { baton: null, base_url: null, results } };
    }
    const baton = randomBytes(18).toString("base64url");
    const timer = setTimeout(() => {
      open.delete(baton);
      release(stream);
    }, idleMs);
    timer.unref();
    open.set(baton, { stream, timer });
    return { status: 200, body: { baton, base_url: null, results } };
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://local").pathname.replace(/\/+$/, "") || "/";
    try {
      if (req.method === "GET" && (path === "/health" || path === "/")) return sendJson(res, 200, { ok: true });
      if (!authorized(req, options.authToken)) return sendJson(res, 401, { message: "missing or wrong auth token" });
      if (req.method === "GET" && path === "/v2") return sendJson(res, 200, { version: 2 });
      if (req.method === "POST" && path === "/v2/pipeline") {
        let body: unknown;
        try {
          body = JSON.parse(await readBody(req));
        } catch (error) {
          const tooLarge = error instanceof RangeError;
          return sendJson(res, tooLarge ? 413 : 400, {
            message: tooLarge ? "request body too large" : "body is not JSON",
          });
        }
        const result = pipeline(body as { baton?: string; requests?: StreamRequest[] });
        return sendJson(res, result.status, result.body);
      }
      return sendJson(res, 404, {
        message: `no route for ${req.method} ${path} (this server speaks Hrana 2 over HTTP)`,
      });
    } catch (error) {
      return sendJson(res, 500, { message: (error as Error).message });
    }
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://${options.host ?? "127.0.0.1"}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const { stream, timer } of open.values()) {
              clearTimeout(timer);
              release(stream);
            }
            open.clear();
            for (const db of idle.splice(0)) db.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
