export { agentSteps, runAgent, modelActor } from "./agent-step.ts";
export { modelResolver, modelRef, languageModel } from "./models.ts";
export { offlineModel, OFFLINE_MODEL_ID } from "./offline-model.ts";
export { buildPrompt, redact } from "./prompt.ts";
export * from "./types.ts";
