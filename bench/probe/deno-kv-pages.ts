/**
 * What a Deno KV commit of many cases costs by where their records land in the file (issue 19: the commit is the
 * serial limit of Deno ingest). Each commit writes 46 cases' first records (the product's new-case write: a version
 * check, event, audit entry, header, metric, version), into a KV file already holding PREFILL cases:
 * - case ids in arrival order (sequential) or as real keys come (random: customers, issues, invoices);
 * - the version in a range of its own (`["case-version", id]`, the layout before 2026-12-03) or at the case's prefix
 *   (`["case", id]`, beside its records: workers/platform/deno/kv-case-store.ts).
 * - case ids in arrival order plus one or two keys a case in random order elsewhere (a numbered layout still needs the
 *   case's id to find its number, and the case's timer record is keyed by id): what arrival order is worth once
 *   every case also writes a random key or two.
 * Layouts alternate round by round, each into a fresh file, so drift on this shared machine falls on all of them.
 *
 * Run: `./node_modules/deno/deno run -A bench/probe/deno-kv-pages.ts` (ROUNDS=3 PREFILL=20000 COMMITS=200)
 */
const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 3);
const PREFILL = Number(Deno.env.get("PREFILL") ?? 20_000);
const COMMITS = Number(Deno.env.get("COMMITS") ?? 200);
const CASES_PER_COMMIT = 46;

interface Layout {
  name: string;
  random: boolean;
  versionKey: (id: string) => Deno.KvKey;
  /** Keys a case also sets in random order, each in a range of its own (an id → number pointer, a timer record). */
  randomKeys?: number;
}
const LAYOUTS: Layout[] = [
  { name: "sequential ids, version in its own range", random: false, versionKey: (id) => ["case-version", id] },
  { name: "random ids, version in its own range (before)", random: true, versionKey: (id) => ["case-version", id] },
  { name: "random ids, version at the case's prefix (now)", random: true, versionKey: (id) => ["case", id] },
  {
    name: "sequential ids, version at the prefix, one random key a case (an id → number pointer)",
    random: false,
    versionKey: (id) => ["case", id],
    randomKeys: 1,
  },
  {
    name: "sequential ids, version at the prefix, two random keys a case (the pointer and a timer record)",
    random: false,
    versionKey: (id) => ["case", id],
    randomKeys: 2,
  },
];

const value = (chars: number) => "y".repeat(chars);

function addCase(op: Deno.AtomicOperation, layout: Layout, id: string): void {
  op.check({ key: layout.versionKey(id), versionstamp: null });
  op.set(["case", id, "event", "github", "delivery-1", 0], value(1200));
  op.set(["case", id, "audit", 1, 0], value(900));
  op.set(["case", id, "header", 0], value(500));
  op.set(["case", id, "metric", 1, 0], value(300));
  op.set(layout.versionKey(id), 1);
  for (let k = 0; k < (layout.randomKeys ?? 0); k++) op.set([`elsewhere-${k}`, crypto.randomUUID()], id);
}

async function measure(layout: Layout): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "crossflow-kv-pages-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  let next = 0;
  const idOf = () =>
    `github-issue-triage/github:acme/repo#${layout.random ? crypto.randomUUID() : String(next++).padStart(10, "0")}`;
  try {
    for (let i = 0; i < PREFILL; i += 50) {
      const op = kv.atomic();
      for (let j = 0; j < 50; j++) addCase(op, layout, idOf());
      await op.commit();
    }
    let ms = 0;
    for (let c = 0; c < COMMITS; c++) {
      const op = kv.atomic();
      for (let w = 0; w < CASES_PER_COMMIT; w++) addCase(op, layout, idOf());
      const began = performance.now();
      const result = await op.commit();
      ms += performance.now() - began;
      if (!result.ok) throw new Error(`${layout.name}: a commit failed its checks`);
    }
    return ms / COMMITS;
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const rounds: number[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  const round: number[] = [];
  for (const layout of LAYOUTS) round.push(await measure(layout));
  rounds.push(round);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const before = LAYOUTS.findIndex((l) => l.name.endsWith("(before)"));
console.log(
  `Deno KV: ms per commit of ${CASES_PER_COMMIT} new cases into a file of ${PREFILL.toLocaleString("en")} (${COMMITS} commits, ${ROUNDS} rounds; ratio: median over rounds of the layout's time over "before" in the same round)\n`,
);
console.log("| layout | ms per commit, each round | ratio to before (median) |\n|---|---:|---:|");
LAYOUTS.forEach((layout, i) => {
  const ratio = median(rounds.map((round) => round[i]! / round[before]!));
  console.log(`| ${layout.name} | ${rounds.map((round) => round[i]!.toFixed(2)).join(", ")} | ${ratio.toFixed(2)} |`);
});
