"""Pooling runs into cells: which stored config keys make two runs different
scenarios (p2pgrid_post.results.config_key)."""
from p2pgrid_post.results import config_key

BASE = {
    "run": {"seed": 1, "duration": "24h", "log": False, "checkpoint_every": "0s"},
    "workload": {"name": "mm-light", "jobs": 1000},
    "trace": {"traffic": False},
    "progress": {"mode": "auto"},
}


def with_(section, key, value):
    config = {s: dict(v) for s, v in BASE.items()}
    config[section][key] = value
    return config


def test_seed_output_reporting_and_checkpoint_cadence_do_not_split_a_cell():
    # A run paused and resumed by scripts/results.sh (run.checkpoint_every
    # set) ends as an uninterrupted one, so it pools with runs without it.
    for section, key, value in [("run", "seed", 2), ("run", "log", True), ("run", "checkpoint_every", "10min"),
                                ("trace", "traffic", True), ("progress", "mode", "plain")]:
        assert config_key(with_(section, key, value)) == config_key(BASE), f"{section}.{key}"


def test_what_is_simulated_splits_cells():
    for section, key, value in [("run", "duration", "4h"), ("workload", "jobs", 999),
                                ("workload", "name", "other")]:
        assert config_key(with_(section, key, value)) != config_key(BASE), f"{section}.{key}"


def test_without_drops_keys_and_prefixes():
    other = with_("workload", "jobs", 999)
    assert config_key(other, without=("workload.jobs",)) == config_key(BASE, without=("workload.jobs",))
    assert config_key(other, without=("workload.",)) == config_key(BASE, without=("workload.",))
    assert config_key(other, without=("workload.job",)) != config_key(BASE, without=("workload.job",))
