"""The cluster environments and images for the installed plugins: what docs/cluster.md promises,
what ``agentplat deploy --dry-run`` prints, and the Flyte objects built from them. No cluster needed."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cluster.md"
DOC_ENV = {"OPENAI_API_KEY": "sk-doc-example", "AGENTPLAT_SEARCH_BACKEND": "tavily"}


def dry_run(env: dict[str, str] | None = None) -> dict:
    result = run_cli("deploy", "--dry-run", "--json", env=env)
    assert result.code == 0, result.stderr
    return result.json()


def by_name(spec: dict) -> dict[str, dict]:
    return {e["name"]: e for e in spec["environments"]}


def doc_table() -> dict[str, dict[str, str]]:
    """The environments table of docs/cluster.md, by environment name."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `agentplat-"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name, agent, resources, reuse, secrets, packages = cells
        rows[name.strip("`")] = {"agent": agent, "resources": resources, "reuse": reuse, "secrets": secrets,
                                 "packages": packages}
    return rows


def resources_text(env: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in env["resources"].items())


def reuse_text(env: dict) -> str:
    reuse = env["reuse"]
    if reuse is None:
        return "off"
    return f"replicas {reuse['replicas']}, idle_ttl {reuse['idle_ttl']}s, concurrency {reuse['concurrency']}"


def test_the_docs_table_is_what_deploy_dry_run_prints():
    table = doc_table()
    envs = by_name(dry_run(DOC_ENV))
    assert set(table) == set(envs)
    for name, row in table.items():
        env = envs[name]
        assert row["agent"] == ("(driver)" if env["role"] == "driver" else env["agent"]), name
        assert row["resources"] == resources_text(env), name
        assert row["reuse"] == reuse_text(env), name
        assert row["secrets"] == ", ".join(s["name"] for s in env["secrets"]), name
        assert row["packages"] == ", ".join(p["name"] for p in env["image"]["packages"]), name
    driver = envs["agentplat-driver"]
    stated = re.search(r"The driver's dependencies: `([^`]*)`", DOC.read_text(encoding="utf-8")).group(1)
    assert driver["depends_on"] == stated.split(", ")
    assert sorted(driver["depends_on"]) == sorted(n for n, e in envs.items() if e["role"] == "agent")


def test_every_agent_gets_its_own_environment_and_the_driver_depends_on_all():
    spec = dry_run()
    envs = by_name(spec)
    agents = {a["name"] for a in run_cli("agents", "--json").json()}
    agent_envs = {e["agent"]: e for e in envs.values() if e["role"] == "agent"}
    assert set(agent_envs) == agents
    for agent, env in agent_envs.items():
        assert env["name"] == "agentplat-" + agent.replace("_", "-")
        assert env["task"] == f"run_step_{agent}"
        assert env["retries"] == 2
    assert spec["driver"] == "agentplat-driver"
    assert envs["agentplat-driver"]["task"] == "agentplat_run"
    assert set(envs["agentplat-driver"]["depends_on"]) == {e["name"] for e in agent_envs.values()}
    assert re.fullmatch(r"[0-9a-f]{16}", spec["version"])


def test_images_hold_the_core_and_the_plugin_at_their_installed_version_or_local_source():
    from importlib_metadata import distribution

    envs = by_name(dry_run())
    for env in envs.values():
        names = [p["name"] for p in env["image"]["packages"]]
        assert names[0] == "agentplat"
        if env["role"] == "agent":  # the core, the agent's plugin, and plugins it names as packages
            companions = {"agentplat-report": ["agentplat-web-search"]}.get(env["plugin"], [])
            assert names == ["agentplat", env["plugin"], *companions]
        assert env["image"]["flyte"] == distribution("flyte").version
        for package in env["image"]["packages"]:
            dist = distribution(package["name"])
            assert package["version"] == dist.version
            direct = json.loads(dist.read_text("direct_url.json") or "{}")
            if direct.get("dir_info", {}).get("editable"):  # this workspace: uv installs members editable
                assert package["source"] == "local" and package["editable"] is True
                assert Path(package["path"]) == Path(direct["url"].removeprefix("file://"))
                assert (Path(package["path"]) / "pyproject.toml").is_file()
                assert package["requirement"] == "/opt/agentplat/src/" + package["name"]
            else:
                assert package["requirement"] == f"{package['name']}=={dist.version}"


def test_package_from_direct_url_covers_every_kind_of_install(tmp_path):
    from agentplat._cluster.image import package_from_direct_url

    index = package_from_direct_url("agentplat-math", "0.2.0", None)
    assert (index.source, index.requirement) == ("index", "agentplat-math==0.2.0")
    editable = package_from_direct_url(
        "agentplat-math", "0.2.0", json.dumps({"url": tmp_path.as_uri(), "dir_info": {"editable": True}}))
    assert (editable.source, editable.path, editable.editable) == ("local", str(tmp_path), True)
    assert editable.requirement == "/opt/agentplat/src/agentplat-math"
    folder = package_from_direct_url("agentplat-math", "0.2.0", json.dumps({"url": tmp_path.as_uri(), "dir_info": {}}))
    assert (folder.source, folder.editable) == ("local", False)
    wheel = tmp_path / "agentplat_math-0.2.0-py3-none-any.whl"
    archive = package_from_direct_url("agentplat-math", "0.2.0",
                                      json.dumps({"url": wheel.as_uri(), "archive_info": {}}))
    assert (archive.source, archive.requirement) == ("local", "/opt/agentplat/src/" + wheel.name)
    vcs = package_from_direct_url("agentplat-math", "0.2.0", json.dumps(
        {"url": "https://github.com/o/r", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}))
    assert vcs.requirement == "agentplat-math @ git+https://github.com/o/r@abc123"


FAKE_PLUGIN = '''
from agentplat import Agent, Environment, hookimpl

async def ping(text: str) -> str:
    """Answer pong."""
    return "pong " + text

@hookimpl
def register_agents(register):
    register(Agent(name="pinger", description="Pings.", tools=[ping],
                   environment=Environment(cpu=2, memory="2Gi", gpu=1, reuse_replicas=2, reuse_idle_ttl=60,
                                           secrets=["PING_API_KEY"],
                                           packages=["numpy>=2", "agentplat-pinger", "rich"],
                                           env_vars={"PING_MODE": "loud"})))
'''


def _fake_plugin(site: Path, *, editable_source: Path | None, version: str = "0.3.0") -> None:
    install_fake_distribution(site, "agentplat-pinger", "agentplat_pinger", FAKE_PLUGIN, version=version,
                              requires=["agentplat>=0.1"])
    if editable_source is not None:
        info = site / f"agentplat_pinger-{version}.dist-info"
        (info / "direct_url.json").write_text(json.dumps({"url": editable_source.as_uri(),
                                                          "dir_info": {"editable": True}}))


def test_an_editable_plugin_maps_to_its_local_source_and_gets_its_extra_packages(plugin_site, tmp_path):
    site, env = plugin_site
    source = tmp_path / "agentplat-pinger-src"
    (source / "src").mkdir(parents=True)
    (source / "pyproject.toml").write_text("[project]\nname = 'agentplat-pinger'\n")
    _fake_plugin(site, editable_source=source)
    pinger = by_name(dry_run(env))["agentplat-pinger"]
    packages = {p["name"]: p for p in pinger["image"]["packages"]}
    assert list(packages) == ["agentplat", "agentplat-pinger"]
    assert packages["agentplat-pinger"]["source"] == "local"
    assert packages["agentplat-pinger"]["editable"] is True
    assert packages["agentplat-pinger"]["path"] == str(source)
    assert packages["agentplat-pinger"]["version"] == "0.3.0"
    # extras as declared, minus the plugin itself (shipped from its source, not downloaded)
    assert pinger["image"]["extras"] == ["numpy>=2", "rich"]
    assert pinger["resources"] == {"cpu": "2", "memory": "2Gi", "gpu": 1}
    assert pinger["reuse"] == {"replicas": 2, "idle_ttl": 60, "concurrency": 4}
    assert pinger["secrets"] == [{"name": "PING_API_KEY", "key": "ping-api-key"}]
    assert pinger["env_vars"]["PING_MODE"] == "loud"
    driver = by_name(dry_run(env))["agentplat-driver"]
    assert "agentplat-pinger" in driver["depends_on"]
    assert "agentplat-pinger" in [p["name"] for p in driver["image"]["packages"]]
    assert driver["image"]["extras"] == []


def test_an_index_installed_plugin_is_pinned_to_its_version(plugin_site):
    site, env = plugin_site
    _fake_plugin(site, editable_source=None, version="1.4.2")
    pinger = by_name(dry_run(env))["agentplat-pinger"]
    plugin = pinger["image"]["packages"][1]
    assert (plugin["source"], plugin["requirement"]) == ("index", "agentplat-pinger==1.4.2")


def test_secrets_are_declared_by_name_and_their_values_never_printed():
    secret_values = {"OPENAI_API_KEY": "sk-test-DO-NOT-PRINT-4242", "TAVILY_API_KEY": "tvly-DO-NOT-PRINT-77",
                     "AGENTPLAT_SOME_TOKEN": "tok-DO-NOT-PRINT-9"}
    env = {**secret_values, "AGENTPLAT_SEARCH_BACKEND": "tavily", "AGENTPLAT_MAX_ATTEMPTS": "5"}
    as_json = run_cli("deploy", "--dry-run", "--json", env=env)
    human = run_cli("deploy", "--dry-run", env=env)
    assert as_json.code == 0 and human.code == 0
    for output in (as_json.stdout + as_json.stderr, human.stdout + human.stderr):
        for value in secret_values.values():
            assert value not in output
        assert "OPENAI_API_KEY" in output and "TAVILY_API_KEY" in output
    envs = by_name(as_json.json())
    for env_spec in envs.values():
        assert {"name": "OPENAI_API_KEY", "key": "openai-api-key"} in env_spec["secrets"]
        # settings travel, secret-looking names never do
        assert env_spec["env_vars"].get("AGENTPLAT_MAX_ATTEMPTS") == "5"
        assert "AGENTPLAT_SOME_TOKEN" not in env_spec["env_vars"]
        assert "AGENTPLAT_HOME" not in env_spec["env_vars"]
    assert {"name": "TAVILY_API_KEY", "key": "tavily-api-key"} in envs["agentplat-web-search"]["secrets"]
    assert "TAVILY_API_KEY" not in {s["name"] for s in envs["agentplat-math"]["secrets"]}


def test_without_a_key_in_the_shell_no_model_secret_is_declared():
    envs = by_name(dry_run({"AGENTPLAT_SEARCH_BACKEND": "duckduckgo"}))
    assert all(e["secrets"] == [] for e in envs.values())


def test_human_dry_run_names_everything_the_json_does():
    human = run_cli("deploy", "--dry-run", env=DOC_ENV)
    assert human.code == 0, human.stderr
    text = human.stdout
    assert "nothing is built or contacted" in text
    for env in by_name(dry_run(DOC_ENV)).values():
        assert f"\n{env['name']}  " in text
        assert f"agentplat.cluster.tasks.{env['task']}" in text
        assert "resources   " + resources_text(env) in text
    assert "depends on  agentplat-code, agentplat-math, agentplat-report, agentplat-text, agentplat-weather, agentplat-web-search" in text
    assert "replicas 1, idle_ttl 300s, concurrency 4" in text
    assert "TAVILY_API_KEY (flyte secret tavily-api-key)" in text
    assert "from local source" in text


def test_the_spec_becomes_flyte_task_environments(monkeypatch):
    import flyte
    from flyte._image import CopyConfig, Commands

    from agentplat._cluster.environments import build, to_flyte
    from agentplat._plugin.registry import get_registry

    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-read")
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "tavily")
    from agentplat._plugin.registry import reset_registry

    reset_registry()
    spec = build(get_registry())
    envs = to_flyte(spec)
    assert isinstance(envs.driver, flyte.TaskEnvironment)
    assert envs.driver.name == "agentplat-driver"
    assert [e.name for e in envs.driver.depends_on] == [e.name for e in spec.agents]
    web = envs.agents["web_search"]
    assert web.name == "agentplat-web-search"
    assert web.resources == flyte.Resources(cpu="1", memory="1Gi")
    assert web.reusable.replicas == (1, 1)
    assert web.reusable.idle_ttl == timedelta(seconds=300)
    assert web.reusable.concurrency == 4
    assert {(s.key, s.as_env_var) for s in web.secrets} == {("openai-api-key", "OPENAI_API_KEY"),
                                                            ("tavily-api-key", "TAVILY_API_KEY")}
    assert envs.agents["math"].reusable is None
    assert envs.agents["weather"].resources == flyte.Resources(cpu="1", memory="256Mi")
    image = envs.agents["math"].image
    assert image.name == "agentplat-math"
    local = [p for p in spec.for_agent("math").image.packages if p.source == "local"]
    copies = [layer for layer in image._layers if isinstance(layer, CopyConfig)]
    assert [(str(c.src), c.dst) for c in copies] == [(p.path, p.requirement) for p in local]
    install = [layer for layer in image._layers if isinstance(layer, Commands)][-1].commands[0]
    assert install.startswith("uv pip install --python $UV_PYTHON ")
    assert all(p.requirement in install for p in spec.for_agent("math").image.packages)
    reset_registry()


def test_an_all_index_image_installs_pinned_packages_and_extras():
    from flyte._image import PipPackages

    from agentplat._cluster.image import ImageSpec, PackageSpec, to_flyte_image

    spec = ImageSpec(name="agentplat-x", python="3.11", flyte="2.12.1",
                     packages=[PackageSpec("agentplat", "0.1.0", "index", "agentplat==0.1.0"),
                               PackageSpec("agentplat-x", "2.0.0", "index", "agentplat-x==2.0.0")],
                     extras=["numpy>=2"])
    image = to_flyte_image(spec)
    pip = [layer for layer in image._layers if isinstance(layer, PipPackages)][-1]
    assert pip.packages == ("agentplat==0.1.0", "agentplat-x==2.0.0", "numpy>=2")


def test_forwarded_settings_leave_out_secrets_and_machine_local_ones():
    from agentplat._cluster.environments import forwarded_settings

    assert forwarded_settings({
        "AGENTPLAT_MODEL": "openai:gpt-4o-mini", "OPENAI_BASE_URL": "https://llm.example/v1",
        "AGENTPLAT_HOME": "/home/me/.agentplat", "AGENTPLAT_ENGINE": "inline", "OPENAI_API_KEY": "sk-x",
        "AGENTPLAT_API_KEY": "x", "PATH": "/usr/bin",
    }) == {"AGENTPLAT_MODEL": "openai:gpt-4o-mini", "OPENAI_BASE_URL": "https://llm.example/v1"}


def test_a_plugin_reuse_setting_flyte_would_refuse_is_reported_clearly(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-pinger", "agentplat_pinger",
                              FAKE_PLUGIN.replace("reuse_idle_ttl=60", "reuse_idle_ttl=5"))
    result = run_cli("deploy", "--dry-run", env=env)
    assert result.code == 1
    assert result.stderr.strip() == ("agentplat: error: plugin agentplat-pinger, agent pinger: "
                                     "reuse_idle_ttl must be at least 30 seconds (got 5)")


def test_an_agent_whose_environment_would_clash_with_the_driver_is_refused(plugin_site):
    from agentplat._cluster.environments import environment_name, step_task_name

    assert environment_name("web_search") == "agentplat-web-search"
    assert step_task_name("web_search") == "run_step_web_search"
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-pinger", "agentplat_pinger", FAKE_PLUGIN.replace('"pinger"', '"driver"'))
    result = run_cli("deploy", "--dry-run", env=env)
    assert result.code == 1
    assert "agent 'driver' would share the cluster environment agentplat-driver with the driver" in result.stderr
