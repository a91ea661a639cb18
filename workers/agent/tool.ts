import type { GuardedTool } from "./types.ts";

/**
 * A tool whose callbacks see the input its `inputSchema` parses (written inline in an agent spec's `tools`, they
 * would see `unknown`: the map holds tools of different inputs).
 * @example refund: guardedTool({ ...stripeTools(config).refund, limit: (r) => (r.amount > CAP ? "over the cap" : null) })
 */
export function guardedTool<I>(tool: GuardedTool<I>): GuardedTool<I> {
  return tool;
}
