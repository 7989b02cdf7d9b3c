// The moderation desk by keyboard: j/k move, a approve, r remove (1-6 picks the reason),
// b ban the author (Enter confirms), f feature, u restore, d deny an appeal, x select for
// bulk, Esc closes a panel. Actions are the rows' own forms, sent in place.
(function () {
  "use strict";
  var current = -1;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-mod-row]")); }

  function select(index) {
    var all = rows();
    if (!all.length) { return null; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    var row = all[current];
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    return row;
  }

  function selected() { return rows()[current] || null; }

  function openPanel(row) {
    return row.querySelector("details[open][data-panel]");
  }

  function closePanels(row) {
    row.querySelectorAll("details[data-panel]").forEach(function (d) { d.open = false; });
  }

  function send(form) {
    var row = form.closest("[data-mod-row]");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Parley-Fragment": "1" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw data; }
        var wasCurrent = row === rows()[current];
        if (data.html) {
          // The row as it is now (an approved comment can then be featured, and so on).
          var template = document.createElement("template");
          template.innerHTML = data.html.trim();
          var fresh = template.content.firstElementChild;
          row.replaceWith(fresh);
          row = fresh;
        }
        var status = row.querySelector("[data-row-status]");
        if (status) { status.textContent = data.message; }
        row.classList.add("done");
        row.dataset.done = form.dataset.key || "";
        closePanels(row);
        var all = rows();
        var index = all.indexOf(row);
        if (wasCurrent) { select(index < all.length - 1 ? index + 1 : index); }
      });
    }).catch(function (data) {
      window.alert((data && data.message) || "That did not work.");
    }).finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  }

  function act(row, key) {
    var form = row.querySelector("form[data-key='" + key + "']");
    if (!form) { return; }
    var panel = form.closest("details[data-panel]");
    if (panel) {
      closePanels(row);
      panel.open = true;
      var focus = panel.querySelector("[data-focus]") || panel.querySelector("input:checked");
      if (focus) { focus.focus(); }
      return;
    }
    send(form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest("[data-mod-row]")) { return; }
    event.preventDefault();
    send(form);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var row = selected();
    var target = event.target;
    var typing = target.matches && target.matches("input[type=text], textarea, select");
    var panel = row && openPanel(row);
    if (event.key === "Escape" && row) { closePanels(row); row.focus(); return; }
    if (panel) {
      var digit = /^[1-9]$/.test(event.key) && !typing;
      if (digit) {
        var radio = panel.querySelector("input[data-digit='" + event.key + "']");
        if (radio) {
          event.preventDefault();
          radio.checked = true;
          if (radio.value === "other") { panel.querySelector("input[name=note]").focus(); return; }
          send(panel.querySelector("form"));
        }
        return;
      }
      if (event.key === "Enter" && target.tagName !== "BUTTON") {
        event.preventDefault();
        send(panel.querySelector("form"));
      }
      return;
    }
    if (typing) { return; }
    var key = event.key;
    if (key === "j") { event.preventDefault(); select(current + 1); return; }
    if (key === "k") { event.preventDefault(); select(current - 1); return; }
    if (!row) { return; }
    if (key === "x") {
      var box = row.querySelector("[data-select]");
      if (box) { box.checked = !box.checked; updateCount(); }
      return;
    }
    if ("arbfud".indexOf(key) >= 0 && key.length === 1) { event.preventDefault(); act(row, key); }
  });

  function updateCount() {
    var count = document.querySelector("[data-bulk-count]");
    if (count) { count.textContent = String(document.querySelectorAll("[data-select]:checked").length); }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select]")) { updateCount(); }
  });
  document.addEventListener("click", function (event) {
    var row = event.target.closest("[data-mod-row]");
    if (row) { current = rows().indexOf(row); rows().forEach(function (r) { r.classList.toggle("selected", r === row); }); }
  });

  document.addEventListener("DOMContentLoaded", function () { select(0); });
})();
