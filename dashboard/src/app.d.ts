// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface Locals {
      /** The signed-in person (set by hooks.server.ts from the session cookie), or null. */
      user: {
        id: string;
        username: string;
        role: "viewer" | "operator" | "admin";
        /** Extra roles workflow tasks may require (e.g. `compliance`). */
        taskRoles: string[];
      } | null;
    }
    /** What a Cloudflare Worker build is given (adapter-cloudflare); absent under Node. */
    interface Platform {
      env: {
        /** The `crossflow` worker's service binding (dashboard/wrangler.toml), for its case API. */
        CROSSFLOW_WORKER?: { fetch(input: string, init?: RequestInit): Promise<Response> };
      };
    }
    interface Error {
      message: string;
      /** For 403s: the role the page needed. */
      role?: "viewer" | "operator" | "admin";
    }
  }
}

export {};
