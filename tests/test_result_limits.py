"""A huge tool result is cut where it is produced: memory, runs.db, Flyte's records and the
terminal carry the first part and a line saying what was cut."""

from __future__ import annotations

import json

from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution

BLOB_PLUGIN = '''
from agentplat import hookimpl, Agent, tool

@tool(examples=["make a blob of 3 megabytes"])
async def blob(megabytes: int) -> str:
    """Make a blob of text of the given number of megabytes."""
    return "x" * (megabytes * 1_000_000)

@hookimpl
def register_agents(register):
    register(Agent(name="blobs", description="Makes blobs of text.", tools=[blob]))
'''


def files_size(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_huge_result_is_cut_and_says_so_in_the_output_the_store_and_flytes_records(plugin_site, home, tmp_path):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-blobs", "agentplat_blobs", BLOB_PLUGIN)
    env = {**env, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_MAX_RESULT_BYTES": "100000",
           "AGENTPLAT_FLYTE_RECORDS": "1", "HOME": str(tmp_path)}
    ran = run_cli("run", "make a blob of 5 megabytes", env=env)
    assert ran.code == 0, ran.stderr
    note = "[cut: 5.0 MB result, kept the first 100.0 kB; set AGENTPLAT_MAX_RESULT_BYTES to change]"
    assert note in ran.stdout.splitlines()[-4]  # the step's line shows it
    assert len(ran.stdout) < 200_000  # the answer is the cut result, not 5 MB
    assert files_size(home) < 1_000_000  # runs.db (and its WAL) hold no 5 MB
    assert (tmp_path / ".flyte").is_dir() and files_size(tmp_path / ".flyte") < 1_000_000  # nor Flyte's records
    [step] = run_cli("show", "--json", json.loads(run_cli("runs", "--json").stdout)[0]["run_id"]).json()["steps"]
    assert step["result"].startswith(note + "\n") and len(step["result"]) < 100_200


def test_a_result_under_the_cap_is_kept_whole(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-blobs", "agentplat_blobs", BLOB_PLUGIN)
    ran = run_cli("run", "make a blob of 1 megabytes", "--json",
                  env={**env, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_MAX_RESULT_BYTES": "2000000"})
    assert ran.code == 0, ran.stderr
    assert ran.json()["steps"][0]["result"] == "x" * 1_000_000
