export { agentSteps, modelActor, runAgent } from "./agent-step.ts";
export { languageModel, modelRef, modelResolver } from "./models.ts";
export { OFFLINE_MODEL_ID, offlineModel } from "./offline-model.ts";
export { buildPrompt, redact } from "./prompt.ts";
export { guardedTool } from "./tool.ts";
export * from "./types.ts";
