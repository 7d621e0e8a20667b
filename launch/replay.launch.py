"""Replay a rosbag2 recording on the ROS 2 graph through the reward node, with the bag's clock.

    ros2 launch process_reward replay.launch.py bag:=/path/to/bag
    ros2 launch process_reward replay.launch.py bag:=/path/to/bag rate:=0.5 record:=/tmp/rewards

`ros2 bag play --clock` publishes /clock and the reward node runs on sim time (config/replay.yaml), so
rewards carry the bag's stamps. With `record:=DIR` the rewards and episode events are recorded to a new
bag. Everything stops when the playback ends. (Without ROS 2, `process-reward replay` does the same
in one process.)
"""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, ExecuteProcess, RegisterEventHandler, TimerAction
from launch.conditions import IfCondition
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    params_file = LaunchConfiguration("params_file")
    record = LaunchConfiguration("record")
    play = ExecuteProcess(
        cmd=["ros2", "bag", "play", LaunchConfiguration("bag"), "--clock", "--rate", LaunchConfiguration("rate")],
        output="screen",
    )
    return LaunchDescription(
        [
            DeclareLaunchArgument("bag", description="bag folder or .mcap/.db3 file to replay"),
            DeclareLaunchArgument("rate", default_value="1.0", description="playback rate"),
            DeclareLaunchArgument(
                "start_delay",
                default_value="3.0",
                description="seconds to wait before playing, so the reward node is up",
            ),
            DeclareLaunchArgument(
                "record",
                default_value="",
                description="if set, record /reward and /episode to this new bag folder",
            ),
            DeclareLaunchArgument(
                "params_file",
                default_value=PathJoinSubstitution([FindPackageShare("process_reward"), "config", "replay.yaml"]),
                description="ROS 2 parameters file for the reward node",
            ),
            Node(
                package="process_reward",
                executable="reward",
                name="reward",
                parameters=[params_file],
                output="screen",
                emulate_tty=True,
            ),
            ExecuteProcess(
                cmd=["ros2", "bag", "record", "-o", record, "/reward", "/episode"],
                output="screen",
                condition=IfCondition(PythonExpression(["'", record, "' != ''"])),
            ),
            # Give the reward node time to load its model before the first frame is played.
            TimerAction(period=LaunchConfiguration("start_delay"), actions=[play]),
            RegisterEventHandler(OnProcessExit(target_action=play, on_exit=[EmitEvent(event=Shutdown())])),
        ]
    )
