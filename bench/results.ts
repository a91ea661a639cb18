/**
 * bench/RESULTS.md holds one section per benchmark; each benchmark replaces only its own section, so running
 * one never erases the other's figures.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "../scripts/stack.ts";

const FILE = join(ROOT, "bench", "RESULTS.md");
const ORDER = ["ingest", "newcase", "steps", "bundle", "engine", "metrics", "metricsqueries", "dashboard"];

/** The middle value (the upper of the two middle ones for an even count): what a bench reports over its rounds. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** Replaces the section `name` (markdown starting with its `## ` heading) and keeps the others. */
export function writeSection(name: string, markdown: string): void {
  const text = existsSync(FILE) ? readFileSync(FILE, "utf8") : "";
  const sections = new Map<string, string>();
  for (const match of text.matchAll(/<!-- section:(\w+) -->\n([\s\S]*?)<!-- \/section:\1 -->/g))
    sections.set(match[1]!, match[2]!);
  sections.set(name, `${markdown.trimEnd()}\n`);
  const names = [...ORDER.filter((n) => sections.has(n)), ...[...sections.keys()].filter((n) => !ORDER.includes(n))];
  const body = names.map((n) => `<!-- section:${n} -->\n${sections.get(n)}<!-- /section:${n} -->`).join("\n\n");
  writeFileSync(
    FILE,
    `# Benchmarks\n\nEach section is written by \`npm run bench\` (both) or its own script; machine and command are in each.\n\n${body}\n`,
  );
}
