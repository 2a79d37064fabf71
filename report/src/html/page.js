// Filters for the clause and case matrices: failures only, family, text.
(function () {
  "use strict";
  var only = document.getElementById("only-failures");
  var family = document.getElementById("family");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.matrix"));

  function apply() {
    var needle = search.value.trim().toLowerCase();
    var parts = [];
    tables.forEach(function (table) {
      var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
      var visible = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var show = (!only.checked || row.getAttribute("data-bad") === "1") &&
          (!family.value || row.getAttribute("data-family") === family.value) &&
          (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
        row.hidden = !show;
        if (show) { visible++; }
      }
      parts.push(visible + " of " + rows.length + " " + table.getAttribute("data-noun"));
    });
    shown.textContent = "showing " + parts.join(", ");
  }

  function openFailures(open) {
    var cells = document.querySelectorAll("td.cell[data-bad='1'] details");
    for (var i = 0; i < cells.length; i++) { cells[i].open = open; }
  }

  only.addEventListener("change", apply);
  family.addEventListener("change", apply);
  search.addEventListener("input", apply);
  document.getElementById("open-failures").addEventListener("click", function () { openFailures(true); });
  document.getElementById("close-all").addEventListener("click", function () {
    var all = document.querySelectorAll("td.cell details");
    for (var i = 0; i < all.length; i++) { all[i].open = false; }
  });
  var params = new URLSearchParams(window.location.search);
  if (params.get("failures") === "1") { only.checked = true; }
  if (params.get("family")) { family.value = params.get("family"); }
  if (params.get("q")) { search.value = params.get("q"); }
  apply();
  if (params.get("open") === "failures") { openFailures(true); }
  document.body.setAttribute("data-ready", "1");
})();
