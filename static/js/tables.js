// Lets tables be read on a narrow screen. Below GOV.UK's tablet breakpoint
// (static/scss/_narrow.scss) a table marked here shows each row as a card: its cells one under
// another, each labelled with its column's header, which this script copies into data-label.
//
// The table's roles are written out as well. A browser that lays a table's cells out as blocks
// (Safari does) stops telling a screen reader that they are a table; the roles keep the rows,
// cells and headers announced as they are on a wide screen.
//
// Without this script a table stays a table and, if it is wider than the screen, the page
// scrolls sideways: a data table may (WCAG 1.4.10 exempts it).

const TABLES = "table.govuk-table";

// The text a sighted reader sees in a header: a header whose words are only for screen readers
// ("Action" over a column of "Change" links) gives its cells no visible label.
function visibleText(cell) {
  const copy = cell.cloneNode(true);
  for (const hidden of copy.querySelectorAll(".govuk-visually-hidden")) hidden.remove();
  return copy.textContent.replace(/\s+/g, " ").trim();
}

// One label a column, counting the columns a header spans; the head's last row names them.
function columnLabels(table) {
  const head = table.tHead;
  if (!head || head.rows.length === 0) return [];
  const labels = [];
  for (const header of head.rows[head.rows.length - 1].cells) {
    const text = visibleText(header);
    for (let span = 0; span < header.colSpan; span += 1) labels.push(text);
  }
  return labels;
}

function isBlank(cell) {
  return cell.textContent.trim() === "" && !cell.querySelector("input, select, textarea, img");
}

function cellRole(cell, inHead) {
  if (cell.tagName !== "TH") return "cell";
  if (inHead || cell.scope === "col") return "columnheader";
  return "rowheader";
}

function stack(table) {
  const labels = columnLabels(table);
  table.setAttribute("role", "table");
  for (const section of [table.tHead, ...table.tBodies, table.tFoot]) {
    if (!section) continue;
    section.setAttribute("role", "rowgroup");
    const inHead = section === table.tHead;
    for (const row of section.rows) {
      row.setAttribute("role", "row");
      let column = 0;
      for (const cell of row.cells) {
        cell.setAttribute("role", cellRole(cell, inHead));
        const label = labels[column];
        // A row's header is its card's title; a cell across several columns is a message
        // ("No beds free."), not one column's value; a blank cell shows no label over nothing.
        if (!inHead && cell.tagName === "TD" && isBlank(cell)) {
          cell.classList.add("dps-table__cell--blank");
        } else if (!inHead && label && cell.tagName === "TD" && cell.colSpan === 1) {
          cell.dataset.label = label;
        }
        column += cell.colSpan;
      }
    }
  }
  table.classList.add("dps-table--stacks");
}

for (const table of document.querySelectorAll(TABLES)) {
  stack(table);
}
