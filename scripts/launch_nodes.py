#!/usr/bin/env python3
"""Statically read ROS 2 Python launch files and print, as JSON, the nodes they start.

launch_ros cannot be imported here (no ROS 2), so the launch files are not executed: their syntax tree
is read with `ast` and the small set of constructs our launch files use is evaluated by hand
(DeclareLaunchArgument defaults, LaunchConfiguration, PathJoinSubstitution + FindPackageShare,
os.path.join + get_package_share_directory, local variables, dict and list literals, and a parameters
file given as a list of substitutions that concatenate to its path). A launch argument inside such a path
stays ROS's own `$(var name)`, for the checker to fill in with its default or another value. Anything else
is reported as "unresolved" so that a checker fails instead of guessing.

Usage: launch_nodes.py FILE.launch.py ...  ->  {"FILE": {"arguments": {...}, "nodes": [...], ...}}
"""
import ast
import json
import sys


def call_name(node):
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class LaunchReader:
    def __init__(self, tree):
        self.tree = tree
        self.variables = {}
        self.arguments = {}
        self.unresolved = []

    def value(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {"values": {self.value(k): self.value(v) for k, v in zip(node.keys, node.values)}}
        if isinstance(node, ast.Name) and node.id in self.variables:
            return self.value(self.variables[node.id])
        if isinstance(node, ast.Call):
            name = call_name(node)
            args = node.args
            if name == "LaunchConfiguration" and args:
                arg = self.value(args[0])
                return {"argument": arg, "default": self.arguments.get(arg)}
            if name in ("FindPackageShare", "get_package_share_directory") and args:
                return {"package_share": self.value(args[0])}
            if name == "PathJoinSubstitution" and args:
                return self.join(self.value(args[0]), node)
            if name == "join" and ast.unparse(node.func) == "os.path.join":
                return self.join([self.value(a) for a in args], node)
        text = ast.unparse(node)
        self.unresolved.append(text)
        return {"unresolved": text}

    @staticmethod
    def text(part):
        """A path part as text: a string, or a launch argument as `$(var name)`."""
        if isinstance(part, str):
            return part
        if isinstance(part, dict) and "argument" in part:
            return f"$(var {part['argument']})"
        return None

    def join(self, parts, node):
        if parts and isinstance(parts[0], dict) and "package_share" in parts[0]:
            rest = parts[1:]
            if all(isinstance(p, str) for p in rest):
                return {"package_share": parts[0]["package_share"], "path": "/".join(rest)}
        text = ast.unparse(node)
        self.unresolved.append(text)
        return {"unresolved": text}

    def parameters(self, node):
        """A Node's parameters: files and dicts, where a list is one file's path made by concatenation."""
        entries = self.value(node)
        if not isinstance(entries, list):
            return entries
        return [self.concatenated(e, node) if isinstance(e, list) else e for e in entries]

    def concatenated(self, parts, node):
        if parts and isinstance(parts[0], dict) and "package_share" in parts[0]:
            rest = [self.text(p) for p in parts[1:]]
            if None not in rest:
                return {"package_share": parts[0]["package_share"], "path": "".join(rest).lstrip("/")}
        text = ast.unparse(node)
        self.unresolved.append(text)
        return {"unresolved": text}

    def keywords(self, call):
        return {k.arg: k.value for k in call.keywords if k.arg}

    def read(self):
        # Assignments and launch arguments first, in source order, so later uses resolve.
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.variables[node.targets[0].id] = node.value
        calls = sorted(
            (n for n in ast.walk(self.tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
        )
        for call in calls:
            if call_name(call) == "DeclareLaunchArgument":
                kw = self.keywords(call)
                name = self.value(call.args[0]) if call.args else self.value(kw["name"])
                default = kw.get("default_value")
                self.arguments[name] = self.value(default) if default is not None else None
        nodes, processes = [], []
        for call in calls:
            kind = call_name(call)
            kw = self.keywords(call)
            if kind == "Node":
                condition = kw.get("condition")
                nodes.append(
                    {
                        "line": call.lineno,
                        "package": self.value(kw["package"]) if "package" in kw else None,
                        "executable": self.value(kw["executable"]) if "executable" in kw else None,
                        "name": self.value(kw["name"]) if "name" in kw else None,
                        "parameters": self.parameters(kw["parameters"]) if "parameters" in kw else [],
                        "condition": ast.unparse(condition) if condition is not None else None,
                    }
                )
            elif kind == "ExecuteProcess":
                cmd = kw.get("cmd")
                processes.append({"line": call.lineno, "cmd": ast.unparse(cmd) if cmd is not None else None})
        return {
            "arguments": self.arguments,
            "nodes": nodes,
            "processes": processes,
            "has_generate_launch_description": any(
                isinstance(n, ast.FunctionDef) and n.name == "generate_launch_description" for n in self.tree.body
            ),
            "unresolved": self.unresolved,
        }


def main(paths):
    out = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            source = f.read()
        try:
            tree = ast.parse(source, filename=path)
        except SyntaxError as err:
            out[path] = {"error": f"syntax error at line {err.lineno}: {err.msg}"}
            continue
        out[path] = LaunchReader(tree).read()
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
