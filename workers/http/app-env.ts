import type { ApiCaller } from "../../db/api-keys.ts";
import type { Config } from "../config.ts";
import type { Platform } from "./platform.ts";

/** What every route sees: the configuration as bindings, the platform as a context variable. */
export interface AppEnv {
  Bindings: Config;
  /** `caller`: who is calling `/api/*` (set by its authentication; absent on other routes). */
  Variables: { platform: Platform; caller: ApiCaller };
}
