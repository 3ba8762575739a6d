// The report's only script besides vega-embed: draw the charts, and sort / filter the claims table.
(function () {
  "use strict";
  var specs = JSON.parse(document.getElementById("corridor-specs").textContent);
  var options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },  // no link leaves the page
  };
  window.corridorViews = {};
  Promise.all(Object.keys(specs).map(function (id) {
    return vegaEmbed("#chart-" + id, specs[id], options).then(function (result) {
      window.corridorViews[id] = result.view;
    });
  })).then(function () {
    document.body.setAttribute("data-charts", "rendered");
  }, function (error) {
    document.body.setAttribute("data-charts", "failed: " + error);
    console.error(error);
  });

  var table = document.getElementById("claims-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("claims-filter");
  var verdict = document.getElementById("claims-verdict");
  var count = document.getElementById("claims-count");

  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = verdict.value;
    var shown = 0;
    rows.forEach(function (tr) {
      var text = tr.textContent.toLowerCase();
      var ok = (!wanted || tr.getAttribute("data-verdict") === wanted) &&
        words.every(function (w) { return text.indexOf(w) >= 0; });
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " claims";
  }
  filter.addEventListener("input", apply);
  verdict.addEventListener("change", apply);

  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, i) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.getAttribute("data-type") === "number";
      rows.sort(function (a, b) {
        var x = a.cells[i].getAttribute("data-sort"), y = b.cells[i].getAttribute("data-sort");
        if (x === "" || y === "") { return (x === "") - (y === ""); }  // blanks last, either way
        var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, undefined, { numeric: true });
        return ascending ? c : -c;
      });
      rows.forEach(function (tr) { body.appendChild(tr); });
    });
  });
})();
