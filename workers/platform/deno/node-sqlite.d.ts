/**
 * The part of `node:sqlite` (built into Deno 2) that Crossflow uses. The repository's @types/node follows Node 20,
 * which has no `node:sqlite`, and Deno reads the node types from there; Deno itself ships the module.
 */
declare module "node:sqlite" {
  export class DatabaseSync {
    constructor(path: string, options?: { readOnly?: boolean });
    exec(sql: string): void;
    prepare(sql: string): {
      all(...params: unknown[]): unknown[];
      get(...params: unknown[]): unknown;
    };
    close(): void;
  }
}
