/** Serves the local SaaS simulators on `SIMULATORS_PORT` (default: a free port) until stopped. */
import { serveSimulators } from "./index.ts";

const simulators = await serveSimulators(Number(process.env.SIMULATORS_PORT ?? 0));
console.log(
  `simulators on ${simulators.url} (${Object.keys(simulators.systems)
    .filter((k) => k !== "app")
    .map((k) => `/${k}`)
    .join(", ")})`,
);
const stop = () => void simulators.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
