// The look every list page's table shares: whole rows, one at a time, read-only, compact rows in
// alternating colours, text cut in the middle, the last column stretched, the others at the widths given.
#pragma once

#include <QHeaderView>
#include <QTableView>

#include <initializer_list>
#include <utility>

namespace fleetdeck::console {

// Compact suits a page's main list. Tight is two pixels less, for a list beside a table of tight rows
// that its rows should line up with (the History page's events beside the state diff).
enum class ListRows { Compact, Tight };

inline void setUpListTable(QTableView* table, std::initializer_list<std::pair<int, int>> columnWidths,
                           ListRows rows = ListRows::Compact) {
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  // The fleet's ids are UUIDv7: their first characters are the creation time, alike for every row of
  // a day, so a cut at the end showed "01a222f6-…" on every row. Their ends tell rows apart.
  table->setTextElideMode(Qt::ElideMiddle);
  // Rows are one line high: a wrapped text showed only its first line, cut at the end ("GET
  // /api/v1/orders/{order_id}/..."), since Qt elides only the last line of a wrapped text.
  table->setWordWrap(false);
  table->verticalHeader()->hide();
  table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + (rows == ListRows::Tight ? 6 : 8));
  table->horizontalHeader()->setStretchLastSection(true);
  for (const auto& [column, width] : columnWidths) table->horizontalHeader()->resizeSection(column, width);
}

}  // namespace fleetdeck::console
