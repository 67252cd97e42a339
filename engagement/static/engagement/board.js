/* The pipeline board: drag a card to another column to move it. The drop posts the card's own
   "Move to" form (its CSRF token, version and any reason typed) with the column's stage, so the
   server applies the same rules as the menu; a refused move comes back on the card. */
(function () {
  "use strict";

  function post(card, stage) {
    var own = card.querySelector("form.board-move");
    if (!own) { return; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = own.getAttribute("action");
    form.hidden = true;
    var data = new FormData(own);
    data.set("to", stage);
    data.forEach(function (value, name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    card.classList.add("moving");
    form.submit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board) { return; }
    var dragged = null;
    board.addEventListener("dragstart", function (e) {
      var card = e.target.closest ? e.target.closest(".board-card[draggable=true]") : null;
      if (!card) { return; }
      dragged = card;
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
    });
    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      Array.prototype.forEach.call(board.querySelectorAll(".board-col.over"), function (c) {
        c.classList.remove("over");
      });
      dragged = null;
    });
    Array.prototype.forEach.call(board.querySelectorAll(".board-col"), function (col) {
      col.addEventListener("dragover", function (e) {
        if (!dragged || dragged.closest(".board-col") === col) { return; }
        e.preventDefault();
        e.dataTransfer.dropEffect = "move";
        col.classList.add("over");
      });
      col.addEventListener("dragleave", function (e) {
        if (!col.contains(e.relatedTarget)) { col.classList.remove("over"); }
      });
      col.addEventListener("drop", function (e) {
        e.preventDefault();
        col.classList.remove("over");
        if (!dragged || dragged.closest(".board-col") === col) { return; }
        var card = dragged;
        col.querySelector(".board-cards").appendChild(card);
        post(card, col.getAttribute("data-stage"));
      });
    });
  });
})();
