export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Logs only the first time `key` is seen (e.g. the execution provider actually used). */
  once(level: LogLevel, key: string, message: string): void;
}

export type LogSink = (level: LogLevel, name: string, message: string) => void;

function minimumLevel(): LogLevel {
  const env = process.env.PROCESS_REWARD_LOG_LEVEL?.toLowerCase();
  return env && env in ORDER ? (env as LogLevel) : "info";
}

/** rclcpp's console format: one line, newline included. */
export function formatLogLine(level: LogLevel, name: string, message: string): string {
  const t = (Date.now() / 1000).toFixed(6);
  return `[${level.toUpperCase()}] [${t}] [${name}]: ${message}\n`;
}

/** To stderr, so that stdout stays free for command output. */
export const stderrSink: LogSink = (level, name, message) => {
  process.stderr.write(formatLogLine(level, name, message));
};

export function createLogger(
  name: string,
  sink: LogSink = stderrSink,
  min: LogLevel = minimumLevel(),
): Logger {
  const seen = new Set<string>();
  const emit = (level: LogLevel, message: string): void => {
    if (ORDER[level] >= ORDER[min]) sink(level, name, message);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    once: (level, key, m) => {
      if (seen.has(key)) return;
      seen.add(key);
      emit(level, m);
    },
  };
}
