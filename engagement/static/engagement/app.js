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

  // The menu button of phone-sized screens: shows and hides the navigation.
  function menu(button) {
    var bar = button.closest(".topbar");
    button.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Quick capture: the "Log engagement" button (or the key n, outside text fields) opens a
  // dialog that posts to the engagement page asking for JSON. Without script the button is a
  // link to that page.
  function quickCapture(dialog) {
    var form = dialog.querySelector("form");
    var box = document.getElementById("qc-org");
    var list = document.getElementById("qc-org-list");
    var hidden = document.getElementById("qc_organizations");
    var help = document.getElementById("qc-org-help");
    var helpText = help.textContent;
    var contacts = document.getElementById("qc_contacts");
    var summary = document.getElementById("qc-errors");
    var submit = document.getElementById("qc-submit");
    var url = dialog.getAttribute("data-typeahead");
    var timer = null, asked = 0, found = [], active = -1;

    function open(e) {
      if (e) { e.preventDefault(); }
      if (dialog.open) { return; }
      dialog.showModal();
      box.focus();
    }
    function close() { closeList(); dialog.close(); }
    function closeList() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setContacts(people) {
      while (contacts.options.length > 1) { contacts.remove(1); }
      people.forEach(function (p) {
        var o = document.createElement("option");
        o.value = p.id;
        o.textContent = p.name;
        contacts.appendChild(o);
      });
      contacts.disabled = people.length === 0;
    }
    function pick(i) {
      var org = found[i];
      if (!org) { return; }
      box.value = org.name;
      hidden.value = org.id;
      setContacts(org.contacts);
      closeList();
    }
    function highlight(i) {
      var items = list.querySelectorAll("li");
      active = i;
      Array.prototype.forEach.call(items, function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      if (items[i]) { box.setAttribute("aria-activedescendant", items[i].id); }
    }
    function show(results) {
      found = results;
      list.textContent = "";
      results.forEach(function (org, i) {
        var li = document.createElement("li");
        li.id = "qc-org-" + org.id;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = org.name;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      box.setAttribute("aria-expanded", results.length ? "true" : "false");
      help.textContent = results.length || !box.value.trim() ? helpText : help.getAttribute("data-none");
      active = -1;
    }
    function search() {
      var q = box.value.trim();
      var mine = ++asked;
      if (!q) { show([]); return; }
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === asked) { show(data.results || []); } })
        .catch(function () { show([]); });
    }
    box.addEventListener("input", function () {
      hidden.value = "";
      setContacts([]);
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    box.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, found.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter") { e.preventDefault(); pick(active < 0 ? 0 : active); }
      else if (e.key === "Escape") { e.preventDefault(); closeList(); }
    });
    box.addEventListener("blur", closeList);

    function clearErrors() {
      summary.hidden = true;
      summary.textContent = "";
      Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (n) { n.remove(); });
      Array.prototype.forEach.call(form.querySelectorAll(".field.invalid"), function (n) { n.classList.remove("invalid"); });
    }
    function fieldOf(name) {
      var mark = form.querySelector('[data-qc-field="' + name + '"]');
      if (mark) { return mark; }
      var input = form.querySelector('[name="' + name + '"]');
      return input ? input.closest(".field") : null;
    }
    function showErrors(data) {
      var head = document.createElement("p");
      head.textContent = data.message || "";
      summary.appendChild(head);
      var first = null;
      Object.keys(data.errors || {}).forEach(function (name) {
        var field = name === "__all__" ? null : fieldOf(name);
        var label = (data.labels || {})[name];
        data.errors[name].forEach(function (msg) {
          var p = document.createElement("p");
          p.textContent = label ? label + ": " + msg : msg;
          summary.appendChild(p);
        });
        if (!field) { return; }
        field.classList.add("invalid");
        var div = document.createElement("div");
        div.className = "field-error";
        data.errors[name].forEach(function (msg) {
          var p = document.createElement("p");
          p.textContent = msg;
          div.appendChild(p);
        });
        field.appendChild(div);
        if (!first) { first = field.querySelector("input:not([type=hidden]), select, textarea"); }
      });
      summary.hidden = false;
      if (first) { first.focus(); }
    }
    function done(data) {
      var flash = document.createElement("p");
      flash.className = "flash success";
      flash.setAttribute("role", "status");
      flash.id = "quick-capture-done";
      flash.appendChild(document.createTextNode(data.message + " "));
      var a = document.createElement("a");
      a.href = data.url;
      a.textContent = data.link;
      flash.appendChild(a);
      var old = document.getElementById("quick-capture-done");
      if (old) { old.remove(); }
      var main = document.getElementById("main");
      main.insertBefore(flash, main.firstChild);
      var when = form.querySelector("[name=occurred_at]");
      var kept = when ? when.value : "";
      form.reset();
      if (when) { when.value = kept; }
      hidden.value = "";
      setContacts([]);
      close();
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (submit.disabled) { return; }
      clearErrors();
      submit.disabled = true;
      var body = new FormData(form);
      // Nothing picked is no value at all (an empty one would read as an unknown choice).
      ["organizations", "contacts"].forEach(function (name) { if (!body.get(name)) { body.delete(name); } });
      fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          if (!json) { return { ok: false, data: { message: r.status + " " + r.statusText } }; }
          return r.json().then(function (data) { return { ok: r.ok, data: data }; });
        })
        .then(function (res) { if (res.ok) { done(res.data); } else { showErrors(res.data); } })
        .catch(function (err) { showErrors({ message: String(err) }); })
        .then(function () { submit.disabled = false; });
    });
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-qc-close]"), function (b) {
      b.addEventListener("click", close);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-quick-capture]"), function (a) {
      a.addEventListener("click", open);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "n" || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || dialog.open) { return; }
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
      if (document.querySelector("dialog[open]")) { return; }
      open(e);
    });
  }

  // The bulk bar of a list: how many rows are selected, "select all" on the page, and only the
  // fields the chosen action reads.
  function bulk(form) {
    var boxes = function () { return document.querySelectorAll('input[name="ids"][form="' + form.id + '"]'); };
    var count = form.querySelector("[data-bulk-count]");
    var all = document.querySelectorAll("[data-bulk-all]");
    var action = form.querySelector('select[name="action"]');
    function refresh() {
      var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
      if (count) { count.textContent = String(n); }
      Array.prototype.forEach.call(all, function (a) {
        a.checked = n > 0 && n === boxes().length;
        a.indeterminate = n > 0 && n < boxes().length;
      });
    }
    function fields() {
      var chosen = action.options[action.selectedIndex];
      var wanted = ((chosen && chosen.getAttribute("data-fields")) || "").split(" ");
      Array.prototype.forEach.call(form.querySelectorAll("[data-bulk-field]"), function (f) {
        f.hidden = wanted.indexOf(f.getAttribute("data-bulk-field")) < 0;
      });
    }
    Array.prototype.forEach.call(all, function (a) {
      a.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes(), function (b) { b.checked = a.checked; });
        refresh();
      });
    });
    document.addEventListener("change", function (e) {
      if (e.target && e.target.name === "ids") { refresh(); }
    });
    action.addEventListener("change", fields);
    fields();
    refresh();
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".menu-toggle"), menu);
    var capture = document.getElementById("quick-capture");
    if (capture && capture.showModal) { quickCapture(capture); }
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filterable]"), filterable);
    Array.prototype.forEach.call(document.querySelectorAll("form.transition"), transition);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-bulk]"), bulk);
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
