// Notifications: follow buttons without a reload, and @mention suggestions in the comment
// forms. Both work without this script (the buttons are plain forms; a mention is text).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-notify-follow]")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    var action = form.querySelector("input[name=action]");
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Parley-Fragment": "1" }
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (typeof data.following !== "boolean") { throw data; }
      button.textContent = data.following ? button.dataset.on : button.dataset.off;
      button.setAttribute("aria-pressed", data.following ? "true" : "false");
      action.value = data.following ? "unfollow" : "follow";
    }).catch(function () { form.submit(); });
  });

  var list = null;
  var target = null;
  var timer = null;

  function closeList() { if (list) { list.remove(); list = null; } }

  function mentionQuery(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = /(?:^|\s)@([^\s@]{1,30})$/.exec(before);
    return match ? match[1] : null;
  }

  function choose(name) {
    var before = target.value.slice(0, target.selectionStart);
    var after = target.value.slice(target.selectionStart);
    before = before.replace(/@([^\s@]{1,30})$/, "@" + name + " ");
    target.value = before + after;
    target.selectionStart = target.selectionEnd = before.length;
    target.focus();
    closeList();
  }

  function show(textarea, names) {
    closeList();
    if (!names.length) { return; }
    list = document.createElement("ul");
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    names.forEach(function (name, i) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.textContent = name;
      if (i === 0) { item.setAttribute("aria-selected", "true"); }
      item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(name); });
      list.append(item);
    });
    textarea.after(list);
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    var discussion = textarea.closest && textarea.closest(".discussion[data-article]");
    if (!discussion || textarea.name !== "body") { return; }
    target = textarea;
    var query = mentionQuery(textarea);
    clearTimeout(timer);
    if (!query) { closeList(); return; }
    timer = setTimeout(function () {
      var url = "/notifications/mentions/" + encodeURIComponent(discussion.dataset.article) +
        "/?q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { names: [] }; })
        .then(function (data) { if (mentionQuery(textarea) === query) { show(textarea, data.names || []); } });
    }, 150);
  });

  document.addEventListener("keydown", function (event) {
    if (!list || event.target !== target) { return; }
    var items = Array.prototype.slice.call(list.children);
    var current = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = (current + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === next ? "true" : "false"); });
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(items[Math.max(current, 0)].textContent);
    } else if (event.key === "Escape") {
      closeList();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === target) { setTimeout(closeList, 100); }
  });
})();
