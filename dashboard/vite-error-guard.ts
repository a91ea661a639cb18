/**
 * The dev server (`npm start` runs `vite dev`) answers its own errors with the error, its stack trace and absolute
 * paths of the checkout: a module that fails to compile, a malformed URL, a pre-bundled dependency it cannot load,
 * or a server module SvelteKit cannot load. This plugin keeps the status and gives the client a generic text; the
 * terminal still logs the whole error, as Vite does.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin, ViteDevServer } from "vite";

/** The checkout (the dashboard's parent folder): its absolute path must never reach a client. */
const CHECKOUT = dirname(dirname(fileURLToPath(import.meta.url)));
/** A stack frame (`    at fn (file:…:1:2)`) or a file URL, as Vite, SvelteKit and Node write them. */
const LEAK = /^\s*at .+:\d+(:\d+)?\)?$|file:\/\//m;

function answerGenerically(res: ServerResponse, status: number): void {
  const body =
    status >= 500 ? "Internal Server Error: the details are in the dashboard's terminal." : "Request refused.";
  for (const name of ["content-length", "content-encoding", "etag", "last-modified"]) res.removeHeader(name);
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Cache-Control", "no-store");
  res.end(body);
}

/**
 * Holds back the body of every answer of status 500 or more and, if it names the checkout (other than in a module
 * URL) or holds a stack frame, sends the generic text instead. This covers answers written without passing an error
 * on: SvelteKit's dev server ends a request whose server modules fail to load with the stack itself, and a broken
 * routes folder with its message.
 */
function screenServerErrors(res: ServerResponse): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  let held: Buffer[] | null = null;
  let headArgs: unknown[] | null = null;
  const toBuffer = (chunk: unknown, encoding?: unknown) =>
    Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === "string"
        ? Buffer.from(chunk, (typeof encoding === "string" ? encoding : "utf8") as BufferEncoding)
        : Buffer.from(chunk as Uint8Array);
  const holding = () => {
    // A 5xx answer is held back (from the first write that sees its status) to be checked before it leaves.
    if (held === null && res.statusCode >= 500) held = [];
    return held !== null;
  };

  res.writeHead = ((...args: unknown[]) => {
    if (typeof args[0] === "number") res.statusCode = args[0];
    if (!holding()) return writeHead(...args);
    headArgs = args; // sent with the body at the end, unless the body must be replaced
    return res;
  }) as ServerResponse["writeHead"];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!holding()) return write(chunk, ...rest);
    if (chunk !== undefined && chunk !== null) held!.push(toBuffer(chunk, rest[0]));
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as ServerResponse["write"];
  res.end = ((...args: unknown[]) => {
    if (!holding()) return end(...args);
    const [chunk, encoding] = typeof args[0] === "function" ? [] : args;
    if (chunk !== undefined && chunk !== null) held!.push(toBuffer(chunk, encoding));
    const body = Buffer.concat(held!).toString("utf8");
    const callback = args.find((a) => typeof a === "function") as (() => void) | undefined;
    // Restore first: answering below goes through the real methods.
    Object.assign(res, { write, end, writeHead });
    // Every dev page, a 200 as much as SvelteKit's error page, loads its modules from `/@fs/<checkout>/…` URLs:
    // those are how the dev server works, not the error's details, so only a path elsewhere in the body counts.
    if (body.split(`/@fs${CHECKOUT}/`).join("/@fs/").includes(CHECKOUT) || LEAK.test(body)) {
      answerGenerically(res, res.statusCode);
    } else {
      if (headArgs) writeHead(...headArgs);
      end(body);
    }
    callback?.();
    return res;
  }) as ServerResponse["end"];
}

/** What Vite's own error page would have shown, for the terminal: plugin and file, code frame, message and stack. */
function logError(
  server: ViteDevServer,
  error: Error & { plugin?: string; id?: string; frame?: string },
  req: IncomingMessage,
): void {
  const lines = [`Internal server error on ${req.method} ${req.url} (the client got a generic answer)`];
  if (error.plugin) lines.push(`  Plugin: ${error.plugin}`);
  if (error.id) lines.push(`  File: ${error.id}`);
  if (error.frame) lines.push(error.frame);
  // A stack starts with the name and message; a stackless error (Svelte's compile errors) has only its message.
  lines.push(error.stack || `${error.name}: ${error.message}`);
  server.config.logger.error(lines.join("\n"), { timestamp: true, error });
}

/**
 * @example
 * export default defineConfig({ plugins: [sveltekit(), errorGuard()] }); // after sveltekit(), so it sees its errors
 */
export function errorGuard(): Plugin {
  return {
    name: "crossflow:error-guard",
    apply: "serve",
    configureServer(server) {
      // Added now, so before Vite's own middlewares and SvelteKit's: every answer they write passes the screen.
      server.middlewares.use((_req, res, next) => {
        screenServerErrors(res);
        next();
      });
      // After Vite's and SvelteKit's own middlewares (this runs once they are added), before Vite's error page.
      return () => {
        server.middlewares.use(
          (error: Error, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
            if (!error) return next();
            logError(server, error, req);
            if (res.headersSent) return res.end();
            const status = Number(
              (error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode,
            );
            answerGenerically(res, Number.isInteger(status) && status >= 400 && status < 600 ? status : 500);
          },
        );
      };
    },
  };
}
