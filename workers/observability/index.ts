export { createLogger, type LogFields, type Logger, type LogLevel, type LogSink, log } from "./log.ts";
