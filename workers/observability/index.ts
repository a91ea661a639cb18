export { createLogger, log, type LogFields, type Logger, type LogLevel, type LogSink } from "./log.ts";
