/**
 * Whether an event that opens a case this process has no memory of is first tried as a new case's: stored with no
 * read of the case before its commit, the commit checking the case absent (workers/platform/deno/case-host.ts). A
 * new case's read waits behind the commits on KV's one SQLite thread; a case that was not new after all fails its
 * commit, and the group it shares (which splits: ~2 log2(n) commits), and is read and ingested again. So the guess
 * is made only while nearly every such case was new (a burst of sign-ups), not among open cases after a restart:
 * the last `window` of them decide.
 */
export class NewCaseGuess {
  /** Whether each of the last cases this process had no memory of existed, oldest first. */
  private readonly outcomes: boolean[] = [];
  private existed = 0;

  constructor(
    private readonly window = 32,
    /** How many of them may have existed while the guess still holds. */
    private readonly tolerated = 1,
  ) {}

  /** Notes what a case this process had no memory of turned out to be (read, or a guess's commit). */
  note(existed: boolean): void {
    this.outcomes.push(existed);
    if (existed) this.existed++;
    if (this.outcomes.length > this.window && this.outcomes.shift()) this.existed--;
  }

  /** True when the next such case should be taken as new without a read. */
  presumeNew(): boolean {
    return this.outcomes.length >= this.window && this.existed <= this.tolerated;
  }
}
