/**
 * Local stand-ins for the providers' HTTP APIs, just enough for a tool-calling turn: OpenAI (and every
 * OpenAI-compatible server: Workers AI's `/ai/v1`, Ollama, vLLM) chat completions, and Anthropic messages. Each
 * answers by calling the `decide` tool with `decision` and records the requests it got.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

export interface StubRequest {
  path: string;
  authorization: string | null;
  apiKey: string | null;
  body: any;
}

export async function startLlmStub(decision: Record<string, unknown>) {
  const requests: StubRequest[] = [];
  const app = new Hono();
  const record = async (c: {
    req: { path: string; header(name: string): string | undefined; json(): Promise<any> };
  }) => {
    const body = await c.req.json();
    requests.push({
      path: c.req.path,
      authorization: c.req.header("authorization") ?? null,
      apiKey: c.req.header("x-api-key") ?? null,
      body,
    });
    return body;
  };
  // OpenAI chat completions, also the shape of every OpenAI-compatible server; Anthropic messages.
  app.post("/*", async (c, next) => {
    if (c.req.path.endsWith("/chat/completions")) return openai(c);
    if (c.req.path.endsWith("/messages")) return anthropic(c);
    return next();
  });
  const openai = async (c: any) => {
    const body = await record(c);
    return c.json({
      id: "chatcmpl-stub",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_stub_1",
                type: "function",
                function: { name: "decide", arguments: JSON.stringify(decision) },
              },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 321, completion_tokens: 12, total_tokens: 333 },
    });
  };
  const anthropic = async (c: any) => {
    const body = await record(c);
    return c.json({
      id: "msg_stub",
      type: "message",
      role: "assistant",
      model: body.model,
      content: [{ type: "tool_use", id: "toolu_stub_1", name: "decide", input: decision }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 321, output_tokens: 12 },
    });
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
