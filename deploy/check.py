"""Validate deploy/ without a Docker engine (none on the development machine).

    .venv/bin/python deploy/check.py [--schema compose-spec.json]

1. docker-compose.yml is interpolated the way Compose does it (${VAR}, ${VAR:-default}, ${VAR:?error},
   $$) with the variables of .env.example (and placeholder secrets), merge keys resolved;
2. validated against the Compose Specification JSON schema when --schema is given
   (github.com/compose-spec/compose-spec, schema/compose-spec.json);
3. checked for what this project needs: every depends_on target exists, every long-running
   service has a health check, only the proxy publishes a port (on 127.0.0.1), every variable
   without a default is listed in .env.example, the Rasa replicas use endpoints.production.yml;
4. haproxy.cfg is checked with `haproxy -c` (Debian's haproxy) under the proxy service's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

HERE = Path(__file__).resolve().parent
VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def env_example() -> Dict[str, str]:
    values: Dict[str, str] = {}
    for line in (HERE / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip() or f"placeholder-{key.strip().lower()}"
    return values


def interpolate(node: Any, env: Dict[str, str], used: set) -> Any:
    if isinstance(node, dict):
        return {k: interpolate(v, env, used) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, used) for v in node]
    if not isinstance(node, str):
        return node

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2), match.group(3)
        used.add((name, op or ""))
        value = env.get(name)
        if op in (":-", "-") and not value:
            return arg
        if op in (":?", "?") and not value:
            raise SystemExit(f"required variable {name} is not set: {arg}")
        return value or ""

    return VAR.sub(one, node)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", help="path of compose-spec.json")
    args = parser.parse_args()
    problems: List[str] = []
    raw = yaml.safe_load((HERE / "docker-compose.yml").read_text())  # PyYAML resolves << merges
    env = env_example()
    used: set = set()
    compose = interpolate(raw, env, used)
    compose = {k: v for k, v in compose.items() if not k.startswith("x-")}
    # Compose allows any string after interpolation; the schema wants JSON types
    compose = json.loads(json.dumps(compose))

    if args.schema:
        import jsonschema

        schema = json.loads(Path(args.schema).read_text())
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
        problems += [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
        print(f"compose-spec schema: {len(errors)} error(s)")
    else:
        print("compose-spec schema: skipped (no --schema)")

    services: Dict[str, Any] = compose["services"]
    for name, svc in services.items():
        for dep in svc.get("depends_on") or {}:
            if dep not in services:
                problems.append(f"{name}: depends_on unknown service {dep}")
        one_shot = svc.get("restart") == "no"
        if not one_shot and (not svc.get("healthcheck") or svc["healthcheck"].get("disable")):
            problems.append(f"{name}: no health check")
        for port in svc.get("ports") or []:
            if name != "proxy" or not str(port).startswith("127.0.0.1:"):
                problems.append(f"{name}: publishes {port} (only the proxy, on 127.0.0.1)")
        if "image" not in svc and "build" not in svc:
            problems.append(f"{name}: neither image nor build")
    for name in ("rasa-1", "rasa-2"):
        command = services[name]["command"]
        command = command if isinstance(command, str) else " ".join(command)
        if "endpoints.production.yml" not in command or "scripts/rasa_run.py" not in command:
            problems.append(f"{name}: not started by scripts/rasa_run.py with endpoints.production.yml")
        if services[name]["environment"].get("DMSBOT_ENV") != "production":
            problems.append(f"{name}: DMSBOT_ENV is not production (secrets would not be required)")
    listed = set(env_example())
    for name, op in sorted(used):
        if op not in (":-", "-") and name not in listed:
            problems.append(f"${{{name}}} has no default and is not in .env.example")
    print(f"services: {len(services)} ({', '.join(services)})")

    haproxy = shutil.which("haproxy")
    if haproxy:
        proxy_env = {**os.environ, **services["proxy"]["environment"]}
        # the check binds nothing; the public port must not clash with anything on this machine
        result = subprocess.run(
            [haproxy, "-c", "-f", str(HERE / "haproxy.cfg")], env=proxy_env, capture_output=True, text=True
        )
        print(f"haproxy -c: {'valid' if result.returncode == 0 else 'INVALID'}")
        if result.returncode != 0:
            problems.append("haproxy.cfg: " + result.stderr.strip()[-1000:])
    else:
        print("haproxy -c: skipped (haproxy not installed)")

    for problem in problems:
        print("PROBLEM:", problem)
    print("deploy/: OK" if not problems else f"deploy/: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
