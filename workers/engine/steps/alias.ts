/** `step.alias`: records an id another system knows the customer by, once per kind, so its later events find the case. */
import { FatalError } from "../errors.ts";
import type { Replay } from "../replay.ts";
import type { StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

const ALIAS_KIND = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const aliasStep =
  (r: Replay): StepApi["alias"] =>
  async (kind, value, options = {}) => {
    await runOnce(r, `alias:${kind}`, "run", async () => {
      if (!ALIAS_KIND.test(kind) || typeof value !== "string" || value.length === 0 || value.length > 200)
        throw new FatalError(`alias ${kind}: kind must be kebab-case and value 1-200 characters`);
      if (!r.aliases) throw new FatalError("this platform keeps no aliases");
      const key = options.key ?? r.caseKey;
      await r.aliases.register({ kind, value }, key);
      return { kind, value, ...(key !== r.caseKey ? { key } : {}) };
    });
  };
