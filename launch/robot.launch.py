"""On a robot: the reward node on the ROS 2 graph (rclnodejs), optionally the policy node and dashboard.

    ros2 launch process_reward robot.launch.py
    ros2 launch process_reward robot.launch.py policy:=true params_file:=/path/to/my_robot.yaml
    ros2 launch process_reward robot.launch.py dashboard:=true

Cameras are ordinary ROS 2 drivers; set their topics in config/robot.yaml (camera_topics, in the model's
view order). The nodes run the npm package this ROS package was built from (see ros/CMakeLists.txt).
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    params_file = LaunchConfiguration("params_file")
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "params_file",
                default_value=PathJoinSubstitution([FindPackageShare("process_reward"), "config", "robot.yaml"]),
                description="ROS 2 parameters file for the reward (and policy) node",
            ),
            DeclareLaunchArgument(
                "policy",
                default_value="false",
                description="also start the online RL policy node",
            ),
            DeclareLaunchArgument(
                "dashboard",
                default_value="false",
                description="also serve the live dashboard (http://127.0.0.1:8080 unless config says otherwise)",
            ),
            Node(
                package="process_reward",
                executable="reward",
                name="reward",
                parameters=[params_file],
                output="screen",
                emulate_tty=True,
            ),
            Node(
                package="process_reward",
                executable="policy",
                name="policy",
                parameters=[params_file],
                output="screen",
                emulate_tty=True,
                condition=IfCondition(LaunchConfiguration("policy")),
            ),
            Node(
                package="process_reward",
                executable="dashboard",
                name="dashboard",
                parameters=[params_file],
                output="screen",
                emulate_tty=True,
                condition=IfCondition(LaunchConfiguration("dashboard")),
            ),
        ]
    )
