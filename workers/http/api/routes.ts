/** The authenticated case API: read cases, send people's decisions, list and replay dead letters. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authenticate } from "./auth.ts";
import { cases } from "./cases.ts";
import { deadLetters } from "./dead-letters.ts";
import { decisions } from "./decisions.ts";

export const api = new Hono<AppEnv>();
// Registered before the resources are mounted, so every one of them (and an unknown /api path) needs a caller.
api.use("*", authenticate);
api.route("/", cases);
api.route("/", decisions);
api.route("/", deadLetters);
