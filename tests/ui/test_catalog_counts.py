from __future__ import annotations

from PySide6.QtWidgets import QLabel

from synq_desktop.ui.catalog_counts import CatalogCountsPanel, flatten_counts, label_for
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG


def test_flatten_reads_snake_and_camel_case_and_nested_counts():
    stats = {"totalProducts": 5, "total_variants": 9, "byStatus": {"ACTIVE": 4, "DRAFT": 1},
             "generated_at": "2026-01-01T00:00:00Z", "ok": True, "score": 81.5, "none": None}
    assert flatten_counts(stats) == {
        "total_products": 5, "total_variants": 9, "by_status.active": 4, "by_status.draft": 1, "score": 81.5,
    }
    assert label_for("total_products") == "Products"
    assert label_for("by_status.active") == "By status: active"


def test_panel_shows_one_row_per_count(qtbot):
    panel = CatalogCountsPanel()
    qtbot.addWidget(panel)
    panel.set_stats({"total_products": 1234, "total_brands": 3})
    panel.set_stats({"total_products": 1500})
    labels = {w.objectName(): w.text() for w in panel.findChildren(QLabel) if w.objectName().startswith("count:")}
    assert labels == {"count:total_products": "1,500"}
    assert panel.counts() == {"total_products": 1500}
