import type { Subscription } from "rxjs";
import { MsgType, type Clock as ClockMsg, type Time } from "../codec/messages.js";
import { QOS_DEFAULT } from "../transport/qos.js";
import type { Transport } from "../transport/transport.js";
import { subscribe } from "../transport/typed.js";
import { timeFromNanos, ZERO_TIME } from "./rosTime.js";

/** ROS time: wall time, or with `use_sim_time` the last value on `/clock`. */
export interface Clock {
  readonly kind: "system" | "sim";
  now(): Time;
  close(): void;
}

export class SystemClock implements Clock {
  readonly kind = "system" as const;
  now(): Time {
    const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    return timeFromNanos(ns);
  }
  close(): void {}
}

/** Follows `/clock` as rclcpp does with use_sim_time: zero until the first message. */
export class SimClock implements Clock {
  readonly kind = "sim" as const;
  private current: Time = ZERO_TIME;
  private readonly subscription: Subscription;

  constructor(transport: Transport, topic = "/clock") {
    this.subscription = subscribe(transport, topic, MsgType.Clock, { qos: QOS_DEFAULT }).subscribe(
      (msg: ClockMsg) => this.set(msg.clock),
    );
  }

  /** Also used directly when the clock source is in-process (bag replay, lockstep sim). */
  set(t: Time): void {
    this.current = t;
  }

  now(): Time {
    return this.current;
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
