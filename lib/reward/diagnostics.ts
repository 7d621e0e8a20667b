import { DiagnosticLevel, type DiagnosticArray, type Time } from "../codec/messages.js";
import { STAGES, type PipelineStats } from "./stats.js";

export interface DiagnosticsInput {
  readonly nodeName: string;
  readonly provider: string;
  readonly modelName: string;
  readonly modelSha256: string;
  readonly stats: PipelineStats;
  /** Published steps per second since the previous report. */
  readonly rateHz: number;
  readonly stamp: Time;
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : "nan");

/** One diagnostic_msgs status for the reward node: rates, per-stage latencies, drops, degraded views, provider. */
export function rewardDiagnostics(input: DiagnosticsInput): DiagnosticArray {
  const s = input.stats;
  const level = s.lastStepFailed
    ? DiagnosticLevel.ERROR
    : s.missingTopics.length > 0
      ? DiagnosticLevel.WARN
      : DiagnosticLevel.OK;
  const message =
    level === DiagnosticLevel.ERROR
      ? s.lastError
      : level === DiagnosticLevel.WARN
        ? `degraded: missing ${s.missingTopics.join(", ")}`
        : "ok";
  const values = [
    ["provider", input.provider],
    ["model", `${input.modelName} ${input.modelSha256}`],
    ["reward_rate_hz", f(input.rateHz)],
    ["frames_received", s.framesReceived.join(",")],
    ["groups_synced", String(s.groupsSynced)],
    ["groups_dropped_latest_wins", String(s.groupsDropped)],
    ["groups_rate_limited", String(s.groupsRateLimited)],
    ["groups_outside_episode", String(s.groupsOutsideEpisode)],
    ["published", String(s.published)],
    ["degraded_steps", String(s.degraded)],
    ["missing_views", s.missingTopics.join(",")],
    ["cdr_errors", String(s.cdrErrors)],
    ["frame_errors", String(s.frameErrors)],
    ["model_errors", String(s.modelErrors)],
    ["last_error", s.lastError],
    ...STAGES.flatMap((stage) => [
      [`latency_${stage}_p50_ms`, f(s.latency[stage].percentile(50))],
      [`latency_${stage}_p99_ms`, f(s.latency[stage].percentile(99))],
    ]),
  ];
  return {
    header: { stamp: input.stamp, frame_id: input.nodeName },
    status: [
      {
        level,
        name: `${input.nodeName}: reward`,
        message,
        hardware_id: input.provider,
        values: values.map(([key, value]) => ({ key, value })),
      },
    ],
  };
}
