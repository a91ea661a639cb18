import { describe, expect, it, vi } from "vitest";
import { ConnectorError } from "../connectors/http.ts";
import { createLogger, type LogLevel, log } from "./index.ts";

function captured() {
  const lines: { level: LogLevel; line: string }[] = [];
  const logger = createLogger(
    {},
    (level, line) => lines.push({ level, line }),
    () => Date.UTC(2026, 10, 3, 9, 30),
  );
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l.line) as Record<string, unknown>) };
}

describe("structured logs", () => {
  it("writes one JSON object per line: time, level, msg, then the case, workflow, version and step", () => {
    const { logger, lines, parsed } = captured();
    logger
      .with({ case: "refund-dispute:customer:ana@example.com", workflow: "refund-dispute", version: 3 })
      .warn("burst failed, will resume", { step: "refund", failures: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.line).not.toContain("\n");
    expect(lines[0]!.level).toBe("warn");
    expect(parsed()[0]).toEqual({
      time: "2026-11-03T09:30:00.000Z",
      level: "warn",
      msg: "burst failed, will resume",
      case: "refund-dispute:customer:ana@example.com",
      workflow: "refund-dispute",
      version: 3,
      step: "refund",
      failures: 2,
    });
    expect(Object.keys(parsed()[0]!).slice(0, 3)).toEqual(["time", "level", "msg"]);
  });

  it("writes an error with its name, message, stack, typed fields and causes", () => {
    const { logger, parsed } = captured();
    const error = new ConnectorError("twilio", 503, true, "twilio 503 on /Messages.json", {
      cause: new TypeError("socket hang up"),
    });
    logger.error("metrics flush failed", { error });
    const line = parsed()[0]!;
    expect(line.error).toMatchObject({
      name: "ConnectorError",
      message: "twilio 503 on /Messages.json",
      system: "twilio",
      status: 503,
      retryable: true,
      cause: { name: "TypeError", message: "socket hang up" },
    });
    expect((line.error as { stack: string }).stack).toContain("ConnectorError");
  });

  it("never throws on what JSON cannot hold, and keeps its own keys from being overwritten by fields", () => {
    const { logger, parsed } = captured();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.info("odd values", { size: 10n, cyclic, level: "error", msg: "spoofed", time: "yesterday" });
    expect(parsed()[0]).toMatchObject({
      level: "info",
      msg: "odd values",
      time: "2026-11-03T09:30:00.000Z",
      size: "10",
      cyclic: { name: "loop", self: "[circular]" },
    });
  });

  it("sends each level to the console method of that severity", () => {
    const spies = {
      log: vi.spyOn(console, "log").mockImplementation(() => {}),
      warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
      error: vi.spyOn(console, "error").mockImplementation(() => {}),
      debug: vi.spyOn(console, "debug").mockImplementation(() => {}),
    };
    try {
      log.info("i");
      log.warn("w");
      log.error("e");
      log.debug("d");
      expect(JSON.parse(spies.log.mock.calls[0]![0] as string)).toMatchObject({ level: "info", msg: "i" });
      expect(JSON.parse(spies.warn.mock.calls[0]![0] as string)).toMatchObject({ level: "warn", msg: "w" });
      expect(JSON.parse(spies.error.mock.calls[0]![0] as string)).toMatchObject({ level: "error", msg: "e" });
      expect(JSON.parse(spies.debug.mock.calls[0]![0] as string)).toMatchObject({ level: "debug", msg: "d" });
    } finally {
      for (const s of Object.values(spies)) s.mockRestore();
    }
  });
});
