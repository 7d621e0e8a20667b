import { z } from "zod";
import { defineNode } from "../../lib/node/node.js";
import { QOS_DEFAULT, QOS_SENSOR_DATA } from "../../lib/transport/qos.js";
import { RateLimiter } from "../../lib/time/rateLimiter.js";

/**
 * topic_tools-style relay: forwards raw CDR from one topic to another, optionally throttled. Useful to
 * rename a camera topic to what a model expects, or to thin a 60 Hz stream before the reward node.
 */
export const relayNode = defineNode({
  name: "relay",
  description: "Forward one topic to another as raw CDR, optionally throttled",
  parameters: z.object({
    input_topic: z.string().describe("topic to read"),
    output_topic: z.string().describe("topic to write"),
    type: z.string().describe("ROS message type, e.g. sensor_msgs/msg/Image"),
    max_rate_hz: z.number().nonnegative().default(0).describe("0 forwards every message"),
    sensor_qos: z
      .boolean()
      .default(false)
      .describe("best effort keep-last 5 instead of reliable keep-last 10"),
  }),
  start({ params, transport, topic, log }) {
    const qos = params.sensor_qos ? QOS_SENSOR_DATA : QOS_DEFAULT;
    const publisher = transport.createPublisher(topic(params.output_topic), params.type, qos);
    const limiter = new RateLimiter(params.max_rate_hz);
    const subscription = transport
      .subscribe(topic(params.input_topic), params.type, qos)
      .subscribe((data) => {
        if (limiter.admit(performance.now())) publisher.publish(data);
      });
    log.info(`relaying ${params.input_topic} -> ${params.output_topic} (${params.type})`);
    return {
      stop: () => {
        subscription.unsubscribe();
        publisher.close();
      },
    };
  },
});
