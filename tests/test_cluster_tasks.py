"""The cluster's tasks: resolvable by module path, each agent's steps in that agent's environment,
the same step and driver bodies as local runs. Serialized and run locally; no cluster needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from cli_helpers import install_fake_distribution


def python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=full,
                          timeout=180)


def test_tasks_serialize_to_module_path_loaders_with_their_environment_settings():
    proc = python("""
        import json
        from flyte._internal.image_cache import ImageCache
        from flyte._internal.runtime.task_serde import translate_task_to_wire
        from flyte.models import SerializationContext
        from agentplat.cluster import tasks
        from agentplat._cluster.remote import package_root

        cache = ImageCache(image_lookup={e.name: f"registry.example/{e.name}:v" for e in tasks.ENVIRONMENTS.all()})
        sc = SerializationContext(version=tasks.SPEC.version(), project="p", domain="d", org="o",
                                  image_cache=cache, root_dir=package_root())
        out = {}
        for name, task in [*tasks.STEP_TASKS.items(), ("(driver)", tasks.agentplat_run)]:
            t = translate_task_to_wire(task, sc).task_template
            args = list(t.container.args)
            out[name] = {
                "id": t.id.name, "version": t.id.version, "loader": args[args.index("--resolver") + 2:],
                "image": t.container.image,
                "resources": {r.DESCRIPTOR.fields_by_name["name"].enum_type.values_by_number[r.name].name: r.value
                              for r in t.container.resources.requests},
                "secrets": sorted((s.key, s.env_var) for s in t.security_context.secrets),
                "reuse": [t.reuse_policy.min_replicas, t.reuse_policy.max_replicas, t.reuse_policy.concurrency,
                          t.reuse_policy.idle_ttl.seconds] if t.HasField("reuse_policy") else None,
                "retries": t.metadata.retries.retries,
            }
        print(json.dumps({"version": tasks.SPEC.version(), "tasks": out}))
    """, env={"OPENAI_API_KEY": "sk-never-printed", "AGENTPLAT_SEARCH_BACKEND": "tavily"})
    assert proc.returncode == 0, proc.stderr
    assert "sk-never-printed" not in proc.stdout + proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    found = data["tasks"]
    assert set(found) == {"code", "math", "report", "text", "weather", "web_search", "(driver)"}
    for agent, task in found.items():
        env = "agentplat-driver" if agent == "(driver)" else "agentplat-" + agent.replace("_", "-")
        function = "agentplat_run" if agent == "(driver)" else f"run_step_{agent}"
        assert task["id"] == f"{env}.{function}"
        assert task["loader"] == ["mod", "agentplat.cluster.tasks", "instance", function]
        assert task["image"] == f"registry.example/{env}:v"
        assert task["version"] == data["version"]
        assert task["retries"] == 2
        assert ("openai-api-key", "OPENAI_API_KEY") in [tuple(s) for s in task["secrets"]]
    web = found["web_search"]
    assert web["resources"] == {"CPU": "1", "MEMORY": "1Gi"}
    assert web["reuse"][:3] == [1, 1, 4] and web["reuse"][3] == 300
    assert ("tavily-api-key", "TAVILY_API_KEY") in [tuple(s) for s in web["secrets"]]
    assert found["weather"]["resources"] == {"CPU": "1", "MEMORY": "256Mi"}
    assert found["math"]["resources"] == {"CPU": "1", "MEMORY": "512Mi"}
    assert found["(driver)"]["resources"] == {"CPU": "1", "MEMORY": "1Gi"}


def test_an_agent_container_with_only_its_plugin_resolves_its_own_step_task():
    """An agent's image holds the core and that one plugin: loading its task by module path
    there must work, exactly as Flyte's resolver does it in the container."""
    proc = python("""
        from flyte._internal.resolvers.default import DefaultTaskResolver
        task = DefaultTaskResolver().load_task(["mod", "agentplat.cluster.tasks", "instance", "run_step_math"])
        from agentplat.cluster import tasks
        print(task.name, task is tasks.run_step_math, hasattr(tasks, "run_step_weather"),
              [e.name for e in tasks.driver_env.depends_on])
    """, env={"AGENTPLAT_LOAD_PLUGINS": "agentplat-math"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[-2] == "agentplat-math.run_step_math True False ['agentplat-math']"


def test_the_cluster_driver_runs_each_step_through_its_agent_task():
    """The cluster tasks run locally too (flyte.init): same plan, same answer as a local run,
    each step dispatched to the task of its own agent."""
    proc = python("""
        import json
        from agentplat._engines.flyte import ensure_initialised
        from agentplat.cluster import tasks
        import flyte

        routed = []
        original = tasks.route
        def spy(agent):
            task = original(agent)
            routed.append((agent, task.name))
            return task
        tasks.route = spy
        ensure_initialised()
        run = flyte.run(tasks.agentplat_run, request="Add 3 and 4, multiply 6 by 7, then add the two results",
                        model="offline", max_parallel=4)
        raw = json.loads(run.outputs()[0])
        print(json.dumps({"routed": routed, "results": [raw["outcomes"][str(i)]["result"] for i in range(3)]}))
    """, env={"AGENTPLAT_FLYTE_RECORDS": "0"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["results"] == [7, 42, 49]
    assert data["routed"] == [["math", "agentplat-math.run_step_math"]] * 3


JOBKIT = '''
from pathlib import Path
from agentplat import hookimpl, Agent

async def noop() -> str:
    """Nothing."""
    return ""

@hookimpl
def register_agents(register):
    register(Agent(name="jobkit", description="Writes folders.", tools=[noop]))

async def write(out, text, count=1):
    import os
    for i in range(count):
        Path(out, f"note-{i}.txt").write_text(text + " " + os.environ.get("AGENTPLAT_ENGINE", ""))
'''


def test_a_plugin_job_writes_a_folder_that_becomes_the_run_output(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-jobkit", "agentplat_jobkit", JOBKIT)
    proc = python("""
        import json, os
        from pathlib import Path
        import flyte
        from agentplat._engines.flyte import ensure_initialised
        from agentplat.cluster import tasks
        from agentplat._cluster.jobs import resolve_entry
        from agentplat import AgentplatError

        ensure_initialised()
        run = flyte.run(tasks.agentplat_job, entry="agentplat_jobkit:write", args_json=json.dumps({"text": "hi", "count": 2}))
        folder = run.outputs()[0]
        local = folder.download_sync()
        names = sorted(p.name for p in Path(local).iterdir())
        refused = []
        for entry in ("os:system", "agentplat_jobkit", "agentplat_jobkit:missing"):
            try:
                resolve_entry(entry)
            except AgentplatError as exc:
                refused.append(str(exc))
        print(json.dumps({"names": names, "text": Path(local, "note-0.txt").read_text(),
                          "engine_after": os.environ.get("AGENTPLAT_ENGINE"), "refused": refused}))
    """, env={**env, "AGENTPLAT_FLYTE_RECORDS": "0"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["names"] == ["note-0.txt", "note-1.txt"]
    assert data["text"] == "hi inline"  # a job does its work in-process in its container
    assert data["engine_after"] is None
    assert data["refused"] == [
        "job entry 'os:system' is not in an installed agentplat plugin",
        "a job entry looks like module:function, not 'agentplat_jobkit'",
        "job entry 'agentplat_jobkit:missing' names nothing callable",
    ]


def test_the_report_app_is_an_app_environment_wired_to_a_run_output():
    from flyte.app import AppEnvironment, RunOutput

    from agentplat._cluster.apps import app_spec, extra_requirements, to_flyte_app

    extras = extra_requirements("agentplat-report", "app")
    assert {e.split(">")[0].split("=")[0] for e in extras} == {"starlette", "jinja2", "uvicorn"}
    spec = app_spec("agentplat-report-app", distribution="agentplat-report", extra="app",
                    args=["agentplat", "report", "serve", "--reports", "/home/flyte/reports", "--host", "0.0.0.0",
                          "--port", "8080"], mount="/home/flyte/reports", run="r-42")
    assert [p.name for p in spec.image.packages][0] == "agentplat"
    assert "agentplat-report" in [p.name for p in spec.image.packages]
    assert spec.image.extras == extras
    app = to_flyte_app(spec)
    assert isinstance(app, AppEnvironment)
    assert app.name == "agentplat-report-app"
    assert app.args[:3] == ["agentplat", "report", "serve"]
    (parameter,) = app.parameters
    assert isinstance(parameter.value, RunOutput)
    assert (parameter.value.type, parameter.value.run_name, parameter.mount) == ("directory", "r-42",
                                                                                 "/home/flyte/reports")


def test_a_report_batch_job_writes_the_reports_folder_the_app_serves(tmp_path):
    """``agentplat report ... --remote`` submits this job; run locally, its output folder holds
    what ``report serve`` browses."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "solar.md").write_text("# Solar power\n\nSolar power turns sunlight into electricity with photovoltaic "
                                   "panels. Solar power capacity has grown quickly as panel prices fell.\n")
    proc = python("""
        import json
        from pathlib import Path
        import flyte
        from agentplat._engines.flyte import ensure_initialised
        from agentplat.cluster import tasks

        ensure_initialised()
        run = flyte.run(tasks.agentplat_job, entry="agentplat_report.batch:write_reports",
                        args_json=json.dumps({"topics": ["solar power"],
                                              "settings": {"model": "offline", "max_iterations": 2}}))
        local = Path(run.outputs()[0].download_sync())
        index = json.loads((local / "index.json").read_text())
        print(json.dumps({"files": sorted(p.name for p in (local / "solar-power").iterdir()),
                          "topics": [(t["topic"], t["status"]) for t in index["topics"]]}))
    """, env={"AGENTPLAT_FLYTE_RECORDS": "0", "AGENTPLAT_HOME": str(tmp_path), "AGENTPLAT_SEARCH_BACKEND": "local",
              "AGENTPLAT_SEARCH_PATH": str(docs)})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["topics"] == [["solar power", "succeeded"]]
    assert {"report.md", "report.html", "summary.txt", "critiques.json"} <= set(data["files"])
