/* The import page follows a running import: progress, state and row count, every second. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-status");
    var templateNode = document.getElementById("import-count-template");
    if (!box || !templateNode || box.dataset.finished === "1") { return; }
    var bar = document.getElementById("import-progress");
    var count = document.getElementById("import-count");
    var state = document.getElementById("import-state");
    var template = JSON.parse(templateNode.textContent);
    function poll() {
      fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.finished) { window.location.reload(); return; }
          bar.value = s.percent;
          bar.textContent = s.percent + "%";
          state.textContent = s.status_display;
          var waiting = document.getElementById("import-waiting");
          if (waiting && s.status !== "queued") { waiting.hidden = true; }
          count.textContent = template.replace("%(done)s", s.processed_rows).replace("%(total)s", s.total_rows);
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
