// The look every list page's table shares: whole rows, one at a time, read-only, compact rows, the
// last column stretched, the others at the widths given.
#pragma once

#include <QHeaderView>
#include <QTableView>

#include <initializer_list>
#include <utility>

namespace fleetdeck::console {

inline void setUpListTable(QTableView* table, std::initializer_list<std::pair<int, int>> columnWidths) {
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  table->verticalHeader()->hide();
  table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
  table->horizontalHeader()->setStretchLastSection(true);
  for (const auto& [column, width] : columnWidths) table->horizontalHeader()->resizeSection(column, width);
}

}  // namespace fleetdeck::console
