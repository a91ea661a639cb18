/** The case store contract (test/contract) against the Deno KV adapter: `npm run test:deno` (deno task test). */

import type { WorkflowDefinition } from "../../workers/engine/index.ts";
import { caseId } from "../../workers/engine/index.ts";
import { DenoCaseHost } from "../../workers/platform/deno/case-host.ts";
import { type CaseHarness, CONTRACT, CONTRACT_WORKFLOWS } from "../contract/case-store.contract.ts";

const kv = await Deno.openKv(":memory:");
let clock = Date.now();
const deployed: WorkflowDefinition[] = [...CONTRACT_WORKFLOWS];
/**
 * Two hosts over one KV: every case kept loaded, and one case loaded at a time, so that every other call reads its
 * case back or, for an event, stores it from what the evicted case kept (`ingestIntoSkeleton`).
 */
const hosts = [
  { name: "Deno KV", cacheLimit: undefined },
  { name: "Deno KV, one case loaded", cacheLimit: 1 },
];

for (const { name, cacheLimit } of hosts) {
  const startHost = () =>
    new DenoCaseHost(kv, { workflows: deployed, now: () => clock, metrics: () => null, listen: false, cacheLimit });
  let host = startHost();

  const harness: CaseHarness = {
    async deploy(workflows) {
      deployed.splice(0, deployed.length, ...workflows);
    },
    ingest: (event) => host.ingest(caseId(event.workflow.id, event.caseKey, event.caseSeq), event),
    view: (caseId) => host.view(caseId),
    audit: (caseId) => host.audit(caseId),
    fire: (caseId) => host.runAlarm(caseId),
    advance: (ms) => {
      clock += ms;
    },
    now: () => clock,
    async tamperAudit(caseId, seq, entry) {
      await kv.set(["case", caseId, "audit", seq, 0], JSON.stringify(entry));
      // A fresh host reads the case from storage, as after a restart: nothing in memory hides the change.
      host = startHost();
    },
  };

  for (const contract of CONTRACT) {
    Deno.test(`case store contract: ${name} › ${contract.name}`, () => contract.run(harness));
  }
}

globalThis.addEventListener("unload", () => kv.close());
