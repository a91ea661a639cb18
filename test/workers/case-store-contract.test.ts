/** The case store contract (test/contract) against the Durable Object adapter, inside workerd. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { caseId } from "../../workers/engine/index.ts";
import { caseDirectory } from "../../workers/platform/cloudflare/platform.ts";
import { WORKFLOWS } from "../../workers/workflows/index.ts";
import { type CaseHarness, CONTRACT } from "../contract/case-store.contract.ts";
import { testClock } from "./clock.ts";
import { deployment } from "./entry.ts";
import { TEST_WORKFLOWS } from "./workflows.ts";

// Every timer lands in the real future, so only the harness fires alarms (miniflare never races it).
testClock.advance(365 * 24 * 3_600_000);

const cases = caseDirectory(env);
const harness: CaseHarness = {
  async deploy(workflows) {
    deployment.splice(0, deployment.length, ...WORKFLOWS, ...TEST_WORKFLOWS, ...workflows);
  },
  ingest: (event) => cases.ingest(caseId(event.workflow.id, event.caseKey, event.caseSeq), event),
  view: (caseId) => cases.view(caseId),
  audit: (caseId) => cases.audit(caseId),
  fire: (caseId) => runDurableObjectAlarm(env.CASES.getByName(caseId)),
  advance: (ms) => void testClock.advance(ms),
  now: () => testClock.now(),
  tamperAudit: (caseId, seq, entry) =>
    runInDurableObject(env.CASES.getByName(caseId), (_instance, state) => {
      state.storage.sql.exec("UPDATE audit SET entry = ? WHERE seq = ?", JSON.stringify(entry), seq);
    }),
};

describe("case store contract: Durable Object (SQLite)", () => {
  for (const contract of CONTRACT) it(contract.name, () => contract.run(harness));
});
