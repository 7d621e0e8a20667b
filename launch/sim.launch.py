"""The simulated task as separate ROS 2 processes: simulator (cameras, ground truth), reward, policy, dashboard.

    ros2 launch process_reward sim.launch.py
    ros2 launch process_reward sim.launch.py task:=push
    ros2 launch process_reward sim.launch.py policy:=false dashboard:=false

This is the main job's pipeline on the ROS 2 graph instead of in one process, so that ROS tools
(`ros2 topic echo /reward`, rviz, `ros2 bag record`) see every topic.
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    share = FindPackageShare("process_reward")
    # The task's own file after the common one: rcl lets the later file's values win. Its path is a list of
    # substitutions that concatenate, which launch_ros takes on every distribution; PathJoinSubstitution
    # builds one component from several substitutions only where ros2/launch#838 is (Kilted's release notes).
    params = [
        LaunchConfiguration("params_file"),
        [share, "/config/tasks/", LaunchConfiguration("task"), ".yaml"],
    ]
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "params_file",
                default_value=PathJoinSubstitution([share, "config", "sim.yaml"]),
                description="ROS 2 parameters file for the sim, reward and policy nodes",
            ),
            DeclareLaunchArgument(
                "task",
                default_value="pick_place",
                description="pick_place | push | stack: loads config/tasks/<task>.yaml over params_file",
            ),
            DeclareLaunchArgument("policy", default_value="true", description="start the policy node"),
            DeclareLaunchArgument(
                "dashboard",
                default_value="true",
                description="also serve the live dashboard (http://127.0.0.1:8080 unless config says otherwise)",
            ),
            Node(
                package="process_reward",
                executable="simulator",
                name="simulator",
                parameters=params,
                output="screen",
                emulate_tty=True,
            ),
            Node(
                package="process_reward",
                executable="reward",
                name="reward",
                parameters=params,
                output="screen",
                emulate_tty=True,
            ),
            Node(
                package="process_reward",
                executable="policy",
                name="policy",
                parameters=params,
                output="screen",
                emulate_tty=True,
                condition=IfCondition(LaunchConfiguration("policy")),
            ),
            Node(
                package="process_reward",
                executable="dashboard",
                name="dashboard",
                parameters=params,
                output="screen",
                emulate_tty=True,
                condition=IfCondition(LaunchConfiguration("dashboard")),
            ),
        ]
    )
