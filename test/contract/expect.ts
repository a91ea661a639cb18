/** A few assertions with no test framework behind them, so one suite runs under vitest (workerd) and `deno test`. */
import { canonicalJson } from "../../workers/engine/index.ts";

export class ContractFailure extends Error {
  override name = "ContractFailure";
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = canonicalJson(actual);
  const e = canonicalJson(expected);
  if (a !== e) throw new ContractFailure(`${what}: expected ${e}, got ${a}`);
}

export function expectTrue(condition: boolean, what: string): void {
  if (!condition) throw new ContractFailure(what);
}
