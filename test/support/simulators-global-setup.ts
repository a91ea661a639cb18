/** Serves the local SaaS simulators for the workerd tests and hands their URL to them. */
import type { TestProject } from "vitest/node";
import { serveSimulators } from "../../simulators/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    simulatorsUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const simulators = await serveSimulators();
  project.provide("simulatorsUrl", simulators.url);
  return () => simulators.close();
}
