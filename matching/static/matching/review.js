/* Keyboard shortcuts for the match review page: j / k next and previous, a accept, r reject,
   s snooze. Plain JavaScript, served by the app; the page works without it. */
(function () {
  "use strict";

  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-suggestion]"));
  if (!cards.length) { return; }
  var current = 0;

  function show(index) {
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards[current].focus();
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.href; }
  }

  function within(selector) {
    return cards[current].querySelector(selector);
  }

  cards.forEach(function (card, index) {
    card.addEventListener("focusin", function () { current = index; });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName) || target.isContentEditable;
    if (typing || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key;
    if (key === "j") {
      if (current === cards.length - 1) { follow("[data-next]"); } else { show(current + 1); }
    } else if (key === "k") {
      if (current === 0) { follow("[data-prev]"); } else { show(current - 1); }
    } else if (key === "a") {
      var accept = within('form[data-action="accept"]');
      if (!accept) { return; }
      var missing = accept.querySelector("select[required]");
      if (missing && !missing.value) { missing.focus(); } else { accept.requestSubmit(); }
    } else if (key === "r") {
      var reason = within('[data-focus="reject"]');
      if (reason) { reason.focus(); }
    } else if (key === "s") {
      var until = within('[data-focus="snooze"]');
      if (until) { until.focus(); }
    } else {
      return;
    }
    event.preventDefault();
  });
})();
