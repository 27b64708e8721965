// Atlas ERP's own script: progressive enhancements only; every page works without it.
// Served from 'self' under a CSP without inline scripts.
(function () {
  "use strict";

  // Board: drag a card onto a column to move the task there. The card's own "Move to"
  // form does the same with the keyboard; dragging submits that form.
  function setUpBoard(board) {
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest("[data-task]");
      if (!card) return;
      dragged = card;
      event.dataTransfer.setData("text/plain", card.getAttribute("data-task"));
      event.dataTransfer.effectAllowed = "move";
    });
    board.querySelectorAll("[data-status-column]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("drop-target");
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        if (!dragged) return;
        var form = dragged.querySelector("form[data-move]");
        var select = form && form.querySelector("select[name=status]");
        if (select) {
          select.value = column.getAttribute("data-status-column");
          form.requestSubmit();
        }
        dragged = null;
      });
    });
  }

  // Forms with data-confirm ask before submitting (void an invoice, remove a member).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A print button (the printable invoice).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // The workspace's navigation folds into its "Menu" button on a phone-sized screen.
  var phone = window.matchMedia("(max-width: 768px)");
  function fold(root) {
    if (!phone.matches) return;
    root.querySelectorAll("details[data-fold-on-phone]").forEach(function (menu) {
      menu.open = false;
    });
  }

  // A list's select-all box (hidden without this script) ticks every row of its form.
  function setUpSelectAll(box) {
    var formId = box.getAttribute("data-select-all");
    var rows = function () {
      return document.querySelectorAll('input[name="ids"][form="' + formId + '"]');
    };
    box.closest("label").hidden = false;
    box.addEventListener("change", function () {
      rows().forEach(function (row) { row.checked = box.checked; });
    });
  }

  // The timesheet's totals follow the hours as they are typed (the page adds them up
  // again when the grid is saved); a cell that holds no number counts as none.
  function setUpTimesheet(table) {
    // Totals as the page shows hours: two decimals, in the page's locale.
    var shown = new Intl.NumberFormat(table.getAttribute("data-timesheet") || undefined,
      {minimumFractionDigits: 2, maximumFractionDigits: 2});
    function hours(cell) {
      var input = cell.querySelector("input.hours");
      var value = parseFloat(input ? input.value : cell.getAttribute("data-hours"));
      return isFinite(value) ? value : 0;
    }
    table.addEventListener("input", function () {
      var days = [0, 0, 0, 0, 0, 0, 0];
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var sum = 0;
        row.querySelectorAll("td[data-day]").forEach(function (cell) {
          var h = hours(cell);
          days[+cell.getAttribute("data-day")] += h;
          sum += h;
        });
        var total = row.querySelector("[data-row-total]");
        if (total) total.textContent = shown.format(sum);
      });
      table.querySelectorAll("[data-day-total]").forEach(function (cell) {
        cell.textContent = shown.format(days[+cell.getAttribute("data-day-total")]);
      });
      var week = table.querySelector("#week-total");
      if (week) week.textContent = shown.format(days.reduce(function (a, b) { return a + b; }, 0));
    });
  }

  // "/" puts the focus in the header's search box, unless one is typing in a field;
  // Escape in the box or on a suggestion, or a click elsewhere, closes the suggestions.
  // The arrow keys walk from the box through the suggestions and back to the box.
  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }
  function walkSuggestions(event, box, panel) {
    var links = Array.prototype.slice.call(panel.querySelectorAll("a[href]"));
    var at = links.indexOf(event.target);
    var next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (at === -1 && event.target !== box) return;
    event.preventDefault();
    if (next < 0) box.focus();
    else if (links.length) links[Math.min(next, links.length - 1)].focus();
  }
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("global-search");
    if (!box) return;
    var panel = document.getElementById("global-search-suggestions");
    var inPanel = panel.contains(event.target);
    if (event.key === "Escape" && (event.target === box || inPanel)) {
      panel.innerHTML = "";
      box.focus();
      return;
    }
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && (event.target === box || inPanel)) {
      walkSuggestions(event, box, panel);
      return;
    }
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
  document.addEventListener("click", function (event) {
    var panel = document.getElementById("global-search-suggestions");
    if (panel && !event.target.closest(".global-search")) panel.innerHTML = "";
  });

  function init(root) {
    root.querySelectorAll("[data-timesheet]").forEach(setUpTimesheet);
    root.querySelectorAll("[data-select-all]").forEach(setUpSelectAll);
    root.querySelectorAll("[data-board]").forEach(setUpBoard);
    fold(root);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
