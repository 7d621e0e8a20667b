import assert from "node:assert/strict";
import { test } from "node:test";
import { ddsTopicName, ddsTypeName, rosTopicName, rosTypeName } from "./ddsNames.js";

test("ROS topics map to rt/ DDS topics and back", () => {
  assert.equal(ddsTopicName("/camera/front/image_raw"), "rt/camera/front/image_raw");
  assert.equal(ddsTopicName("reward"), "rt/reward");
  assert.equal(rosTopicName("rt/camera/front/image_raw"), "/camera/front/image_raw");
  assert.equal(rosTopicName("rq/add_two_intsRequest"), undefined);
  assert.equal(rosTopicName("DCPSPublication"), undefined);
});

test("ROS types map to pkg::msg::dds_::T_ and back", () => {
  assert.equal(ddsTypeName("sensor_msgs/msg/Image"), "sensor_msgs::msg::dds_::Image_");
  assert.equal(ddsTypeName("sensor_msgs/Image"), "sensor_msgs::msg::dds_::Image_");
  assert.equal(
    ddsTypeName("process_reward_msgs/msg/DenseReward"),
    "process_reward_msgs::msg::dds_::DenseReward_",
  );
  assert.equal(rosTypeName("sensor_msgs::msg::dds_::Image_"), "sensor_msgs/msg/Image");
  assert.equal(rosTypeName("org::eclipse::cyclonedds::builtin::DCPSPublication"), undefined);
  assert.throws(() => ddsTypeName("Image"), /not a ROS message type name/);
});
