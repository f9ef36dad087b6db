"""The sensitivity table's wide form (p2pgrid_post ratios --by ... --wide)."""
import math

from p2pgrid_post.results import Ratio
from p2pgrid_post.table import ratio_wide_markdown

BY = ("workload.requirement_model", "workload.constraint_count")


def ratio(scenario, matchmaker, model, count, mean, pairs=5, censored=False, low=1.0, high=2.0):
    labels = {BY[0]: f"'{model}'", BY[1]: f"'{count}'", "match.kind": f"'{matchmaker}'"}
    return Ratio(scenario, matchmaker, pairs, mean, low, high, censored, labels)


def rows(text):
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("| ")]


def test_one_column_per_model_one_row_per_cell():
    table = rows(ratio_wide_markdown([
        ratio("mm-light", "can", "node_value", "binding", 6.71, low=3.01, high=10.41),
        ratio("mm-light", "can", "below_node", "drawn", 17.1, censored=True),
        ratio("mm-light", "rntree", "node_value", "binding", 1.24),
        ratio("cc-heavy", "can", "below_node", "drawn", 1.33, pairs=3, low=math.nan, high=math.nan),
    ], BY))
    assert table[0] == ["scenario", "matchmaker", "`below_node/drawn`", "`node_value/binding`"]
    assert table[1] == ["cc-heavy", "can", "n=3 1.33 -", "-"]
    assert table[2] == ["mm-light", "can", "≥ 17.10 [1.00, 2.00]", "6.71 [3.01, 10.41]"]
    assert table[3] == ["mm-light", "rntree", "-", "1.24 [1.00, 2.00]"]
    assert len(table) == 4


def test_the_note_names_the_seed_count_and_the_keys():
    text = ratio_wide_markdown([ratio("mm-light", "can", "node_value", "binding", 2.0)], BY)
    assert "mean over 5 seeds" in text and "workload.requirement_model / workload.constraint_count" in text
