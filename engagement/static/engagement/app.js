/* Small enhancements; every page works without them. Served by the app: no CDN. */
(function () {
  "use strict";

  // A text box above long multi-selects that hides the options not matching what is typed.
  function filterable(select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    var box = document.createElement("input");
    box.type = "search";
    box.className = "optfilter";
    box.id = select.id + "_filter";
    box.setAttribute("aria-controls", select.id);
    box.placeholder = select.getAttribute("data-filter-placeholder") || "Filter…";
    box.setAttribute("aria-label", (label ? label.textContent.replace("*", "").trim() + ": " : "") + box.placeholder);
    select.parentNode.insertBefore(box, select);
    var chosen = document.createElement("p");
    chosen.className = "chosen";
    chosen.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(chosen, select.nextSibling);
    function showChosen() {
      var names = Array.prototype.map.call(select.selectedOptions, function (o) { return o.textContent.trim(); });
      chosen.textContent = names.length ? (select.getAttribute("data-chosen-label") || "Chosen") + ": " + names.join(", ") : "";
    }
    select.addEventListener("change", showChosen);
    showChosen();
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.querySelectorAll("option"), function (opt) {
        opt.hidden = needle !== "" && !opt.selected && opt.textContent.toLowerCase().indexOf(needle) === -1;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      });
    });
  }

  // The stage form: the reason becomes required when the chosen move needs one.
  function transition(form) {
    var reason = form.querySelector("textarea[name=reason]");
    var hint = form.querySelector(".reason-hint");
    if (!reason) { return; }
    function update() {
      var chosen = form.querySelector("input[name=to]:checked");
      var needs = chosen && chosen.getAttribute("data-needs-reason") === "1";
      reason.required = !!needs;
      if (hint) { hint.classList.toggle("needed", !!needs); }
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filterable]"), filterable);
    Array.prototype.forEach.call(document.querySelectorAll("form.transition"), transition);
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    // A form drawn for quick entry puts the cursor in its main field, unless it shows errors.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-focus]"), function (f) {
      var field = document.getElementById(f.getAttribute("data-focus"));
      if (field && !document.querySelector(".invalid")) { field.focus(); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
      var input = document.getElementById(b.getAttribute("data-copy"));
      if (!input || !navigator.clipboard) { return; }
      b.hidden = false;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () { b.classList.add("done"); });
      });
    });
  });
})();
