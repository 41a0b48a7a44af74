"""Collects the medians of the benchmarks of one run so that ratios are measured in the same run."""

from __future__ import annotations

import json
import pathlib

import pytest

MEDIANS_S: dict[str, float] = {}
REPORT = pathlib.Path(__file__).resolve().parent.parent / ".benchmarks" / "ratios.json"


@pytest.fixture
def record():
    """record(name, benchmark, per_call=1): keep the median seconds per decision of a benchmark."""

    def _record(name: str, benchmark, per_call: int = 1) -> None:
        if benchmark.stats is not None:
            MEDIANS_S[name] = benchmark.stats.stats.median / per_call

    return _record


def pytest_terminal_summary(terminalreporter):
    if not MEDIANS_S:
        return
    terminalreporter.section("authcore: medians per decision and ratios measured in this run")
    for name, median in sorted(MEDIANS_S.items()):
        terminalreporter.write_line(f"{name:<40} {median * 1e6:10.3f} us")
    ratios = {}
    for fast, slow in (("kernel_decide", "reference_decide"), ("kernel_decide_and_book", "reference_decide_and_book"),
                       ("kernel_batch_per_decision", "reference_decide_and_book"),
                       ("engine_bulk_per_decision", "engine_authorize_with_journal"),
                       ("engine_authorize_without_audit", "engine_authorize_with_journal"),
                       ("kernel_decision_features_and_rules", "engine_authorize_with_journal"),
                       ("engine_authorize_with_journal", "engine_authorize_decline"),
                       ("engine_bulk_without_audit_per_decision", "engine_bulk_per_decision"),
                       ("engine_authorize_with_journal", "engine_authorize_with_shadow"),
                       ("engine_bulk_per_decision", "engine_bulk_with_shadow_per_decision"),
                       ("compiled_ensemble_one_row", "lightgbm_predict_one_row"),
                       ("compiled_ensemble_batch_per_row", "lightgbm_predict_batch_per_row"),
                       ("kernel_decision_features_and_rules", "reference_features_and_rules"),
                       ("durability_normal_one_caller", "durability_fsync_one_caller"),
                       ("durability_normal_16_callers_per_decision", "durability_fsync_16_callers_per_decision"),
                       ("durability_fsync_16_callers_per_decision", "durability_fsync_one_caller"),
                       ("cluster_get_account_local", "cluster_get_account_forwarded"),
                       ("cluster_authorize_local", "cluster_authorize_forwarded"),
                       ("grpc_authorize_without_metrics", "grpc_authorize_with_metrics"),
                       ("bare_behaviour_per_call", "metrics_interceptor_per_call"),
                       ("import_accounts_created_per_account", "upsert_account_per_account"),
                       ("import_accounts_updated_per_account", "upsert_account_per_account")):
        if fast in MEDIANS_S and slow in MEDIANS_S:
            ratios[f"{slow} / {fast}"] = MEDIANS_S[slow] / MEDIANS_S[fast]
            terminalreporter.write_line(f"{slow} / {fast}: {ratios[f'{slow} / {fast}']:.1f}x")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"median_us": {k: v * 1e6 for k, v in MEDIANS_S.items()}, "ratios": ratios},
                                 indent=2))
