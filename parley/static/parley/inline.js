// Inline feedback: comments anchored to a passage of the article (parley.inline).
// Offsets are over the article's plain text as the server computes it: the body's blocks
// joined by "\n\n". Each block element carries data-start/data-end (its offsets) and
// data-lead (characters rendered before its text, as the pull quote's opening “).
// Locating and wrapping passages is shared with the embed's host page (passages.js).
//
// Inside the embed's frame there is no article body: the host page holds the article
// (docs/embed.md). There this script loads the passages and hands them to embed-frame.js
// (event `parley:passages`), opens the form for a passage the host page sends
// (`parley:inline-passage`) and a highlight's comments (`parley:inline-open`).
// On both, `parley:comments-added` from live.js with an anchored comment, or
// window.ParleyInline.refresh(), reloads the passages and their highlights.
(function () {
  "use strict";

  var P = window.ParleyPassages;

  var CONTEXT = 32;
  var tab, discussion, bodyEl, blocks = [], plain = "", passages = [], byKey = {};
  var pending = null, button = null, popover = null, panel = null, stash = null;

  // Inside the embed's frame, its site and sign-in go with every request.
  function headers(extra) {
    var out = Object.assign({}, extra || {});
    if (window.parleyEmbed) { Object.assign(out, window.parleyEmbed.headers()); }
    return out;
  }

  function fragment(url) {
    return fetch(url, { headers: headers({ "X-Parley-Fragment": "1" }), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (d) { if (!r.ok) { throw d; } return d; }); });
  }

  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) {
      [].concat(params[k]).forEach(function (v) { u.searchParams.append(k, v); });
    });
    return u.toString();
  }

  // ---- The plain-text model of the body -------------------------------------------------
  function readBlocks() {
    blocks = Array.prototype.map.call(bodyEl.querySelectorAll("[data-start]"), function (el) {
      var start = Number(el.dataset.start), end = Number(el.dataset.end);
      var lead = Number(el.dataset.lead || 0);
      return { el: el, start: start, end: end, lead: lead };
    });
    plain = "";
    blocks.forEach(function (b) {
      while (plain.length < b.start) { plain += "\n"; }
      plain += b.el.textContent.substr(b.lead, b.end - b.start);
    });
  }

  function blockOf(node) {
    var el = node.nodeType === 1 ? node : node.parentElement;
    var blockEl = el && el.closest("[data-start]");
    for (var i = 0; i < blocks.length; i++) { if (blocks[i].el === blockEl) { return blocks[i]; } }
    return null;
  }

  // A boundary point of a selection as a plain-text offset; points between blocks snap to
  // the next block's start (selection start) or the previous block's end (selection end).
  function offsetOf(node, offset, isEnd) {
    var b = blockOf(node);
    if (b) {
      var r = document.createRange();
      r.setStart(b.el, 0);
      r.setEnd(node, offset);
      var p = r.toString().length - b.lead;
      return b.start + Math.max(0, Math.min(p, b.end - b.start));
    }
    var found = null;
    blocks.forEach(function (blk) {
      var r = document.createRange();
      r.selectNodeContents(blk.el);
      var where = r.comparePoint(node, offset);
      if (!isEnd && where <= 0 && found === null) { found = blk.start; }
      if (isEnd && where >= 0) { found = blk.end; }
    });
    return found;
  }

  function selectorsFor(start, end) {
    while (start < end && /\s/.test(plain[start])) { start++; }
    while (end > start && /\s/.test(plain[end - 1])) { end--; }
    return {
      start: start, end: end, exact: plain.slice(start, end),
      prefix: plain.slice(Math.max(0, start - CONTEXT), start), suffix: plain.slice(end, end + CONTEXT)
    };
  }

  // ---- Highlights -------------------------------------------------------------------------
  // Wraps characters [from, to) of a block element (element offsets) in <mark>s.
  function wrap(el, from, to, passage) {
    return P.wrap(el, from, to, function () {
      var mark = document.createElement("mark");
      mark.className = "inline-hl" + (passage.kind === "question" ? " inline-question" : "") +
        (passage.changed ? " changed" : "");
      mark.dataset.passage = passage.key;
      return mark;
    });
  }

  function unwrapAll() {
    P.unwrap(bodyEl, "mark.inline-hl");
    blocks.forEach(function (b) { b.el.normalize(); });
    bodyEl.querySelectorAll(".inline-question-box, .inline-popover").forEach(function (n) { n.remove(); });
    popover = null;
  }

  function highlight(p) {
    var span = P.locate(plain, p);
    if (!span) { return; }
    var marks = [];
    blocks.forEach(function (b) {
      if (b.end <= span[0] || b.start >= span[1]) { return; }
      var from = Math.max(span[0], b.start) - b.start + b.lead;
      var to = Math.min(span[1], b.end) - b.start + b.lead;
      marks = marks.concat(wrap(b.el, from, to, p));
    });
    if (!marks.length) { return; }
    var label = p.kind === "question" ? "Question: " + p.question + " (" + p.count + " answer" + (p.count === 1 ? "" : "s") + ")"
      : p.count + " comment" + (p.count === 1 ? "" : "s") + " on this passage";
    marks[0].tabIndex = 0;
    marks[0].setAttribute("role", "button");
    marks[0].setAttribute("aria-label", label);
    marks[0].id = "passage-mark-" + p.key;
    marks[marks.length - 1].dataset.count = p.kind === "question" ? "?" + p.count : String(p.count);
    marks.forEach(function (m) { m.title = label; });
    if (p.kind === "question") { questionBox(p, blockOf(marks[marks.length - 1])); }
  }

  function questionBox(p, block) {
    var box = document.createElement("aside");
    box.className = "inline-question-box";
    box.dataset.inlineUi = "";
    box.dataset.inlineQuestion = p.key;
    var text = document.createElement("p");
    var label = document.createElement("strong");
    label.textContent = "Question from the editors: ";
    text.append(label, document.createTextNode(p.question));
    var answers = document.createElement("button");
    answers.type = "button";
    answers.className = "link";
    answers.dataset.inlineOpen = p.key;
    answers.textContent = p.count + " answer" + (p.count === 1 ? "" : "s");
    box.append(text, answers);
    if (tab.hasAttribute("data-can-comment")) {
      var answer = document.createElement("button");
      answer.type = "button";
      answer.dataset.inlineComment = p.key;
      answer.textContent = "Answer";
      box.append(" ", answer);
    }
    var after = block.el;
    while (after.nextElementSibling && after.nextElementSibling.matches(".inline-question-box")) {
      after = after.nextElementSibling;
    }
    after.after(box);
  }

  function setTabCount() {
    var total = passages.reduce(function (n, p) { return n + p.count; }, 0);
    var count = tab && tab.querySelector("[data-inline-count]");
    if (count) { count.textContent = total ? " " + total : ""; }
  }

  function render() {
    unwrapAll();
    // Outer passages first, so that a passage inside another nests in its marks.
    passages.slice().sort(function (a, b) { return a.start - b.start || b.end - a.end; })
      .forEach(highlight);
    setTabCount();
  }

  function loadPassages() {
    if (!tab) { return Promise.resolve(); }
    return fetch(tab.dataset.passagesUrl, { credentials: "same-origin", headers: headers() })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        passages = data.passages || [];
        byKey = {};
        passages.forEach(function (p) { byKey[p.key] = p; });
        if (bodyEl) {
          render();
          bodyEl.dataset.inlineReady = "1";
        } else {
          setTabCount();
          // The embed's frame: embed-frame.js hands them to the host page to highlight.
          document.dispatchEvent(new CustomEvent("parley:passages", { detail: { passages: passages } }));
        }
      });
  }

  // ---- Selecting a passage ---------------------------------------------------------------
  function hideButton() { if (button) { button.hidden = true; } }

  function insideUi(node) {
    var el = node.nodeType === 1 ? node : node.parentElement;
    return Boolean(el && el.closest("[data-inline-ui]"));
  }

  function onSelection() {
    var sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) { hideButton(); return; }
    var range = sel.getRangeAt(0);
    if (!bodyEl.contains(range.commonAncestorContainer) || insideUi(range.startContainer) ||
      insideUi(range.endContainer)) { hideButton(); return; }
    var start = offsetOf(range.startContainer, range.startOffset, false);
    var end = offsetOf(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) { hideButton(); return; }
    var found = selectorsFor(start, end);
    if (!found.exact) { hideButton(); return; }
    pending = found;
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "inline-comment-button";
      button.dataset.inlineUi = "";
      button.textContent = "Comment on this passage";
      // Keep the selection while the button is pressed.
      button.addEventListener("mousedown", function (e) { e.preventDefault(); });
      button.addEventListener("click", function () { openForm(pending, null); hideButton(); });
      bodyEl.after(button);
    }
    var rect = range.getBoundingClientRect();
    button.style.top = (rect.bottom + window.scrollY + 6) + "px";
    button.style.left = Math.max(8, rect.left + window.scrollX) + "px";
    button.hidden = false;
  }

  // ---- The comment form ------------------------------------------------------------------
  function postForm() { return discussion.querySelector("form[data-parley=post]"); }

  function setField(form, name, value) {
    var input = form.querySelector("input[name=" + name + "]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.dataset.inlineField = "";
      form.prepend(input);
    }
    input.value = value;
  }

  function clearForm(form) {
    form.querySelectorAll("[data-inline-field], .inline-form-quote").forEach(function (n) { n.remove(); });
  }

  function openForm(p, questionKey) {
    var form = postForm();
    if (!form || !p) { return; }
    clearForm(form);
    if (questionKey) {
      setField(form, "anchor_question", questionKey.slice(1));
    } else {
      ["exact", "prefix", "suffix", "start", "end"].forEach(function (k) { setField(form, "anchor_" + k, p[k]); });
    }
    var box = document.createElement("div");
    box.className = "inline-form-quote";
    var label = document.createElement("p");
    label.textContent = questionKey ? "Answering: " + p.question : "Commenting on this passage:";
    var quote = document.createElement("blockquote");
    quote.textContent = p.exact;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = "Remove the passage";
    remove.addEventListener("click", function () { clearForm(form); });
    box.append(label, quote, remove);
    var textarea = form.querySelector("textarea");
    textarea.before(box);
    form.scrollIntoView({ block: "center" });
    textarea.focus({ preventScroll: true });
  }

  // parley.js posts the form and prepends the new thread: then the passage is done.
  function watchPosts() {
    var threads = discussion.querySelector("[data-threads]");
    if (!threads) { return; }
    new MutationObserver(function () {
      var form = postForm();
      if (form && form.dataset.inlineSubmitted && !form.querySelector("textarea").value) {
        delete form.dataset.inlineSubmitted;
        clearForm(form);
        loadPassages().then(function () { if (panel && !panel.hidden) { openTab(); } });
      }
    }).observe(threads, { childList: true });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form === postForm() && form.querySelector("[data-inline-field]")) {
        form.dataset.inlineSubmitted = "1";
      }
    }, true);
  }

  // ---- Clicking a highlight: its comments, next to the passage -------------------------
  function openPopover(keys, afterEl) {
    if (popover) { popover.remove(); }
    popover = document.createElement("div");
    popover.className = "inline-popover";
    popover.dataset.inlineUi = "";
    popover.setAttribute("role", "region");
    popover.setAttribute("aria-label", "Comments on this passage");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link inline-close";
    close.textContent = "Close";
    close.addEventListener("click", function () { popover.remove(); popover = null; });
    var content = document.createElement("div");
    content.textContent = "Loading…";
    popover.append(close, content);
    afterEl.after(popover);
    fragment(withParams(tab.dataset.feedbackUrl, { passage: keys, compact: "1", sort: currentSort() }))
      .then(function (data) { content.innerHTML = data.html; })
      .catch(function () { content.textContent = "The comments could not be loaded."; });
  }

  // ---- The Inline Feedbacks tab -----------------------------------------------------------
  function currentSort() {
    var current = discussion.querySelector("[data-parley-sort].current");
    return current ? current.dataset.parleySort : "top";
  }

  function openTab() {
    var threads = discussion.querySelector("[data-threads]");
    return fragment(withParams(tab.dataset.feedbackUrl, { sort: currentSort() })).then(function (data) {
      if (!panel) {
        panel = document.createElement("div");
        panel.className = "inline-panel";
        panel.dataset.inlinePanel = "";
        threads.after(panel);
      }
      panel.innerHTML = data.html;
      panel.hidden = false;
      if (!stash) {
        stash = document.createDocumentFragment();
        while (threads.firstChild) { stash.appendChild(threads.firstChild); }
        threads.hidden = true;
      }
      tab.classList.add("current");
      tab.setAttribute("aria-current", "true");
    });
  }

  function closeTab() {
    var threads = discussion.querySelector("[data-threads]");
    if (panel) { panel.hidden = true; panel.innerHTML = ""; }
    if (stash) { threads.append(stash); stash = null; }
    threads.hidden = false;
    tab.classList.remove("current");
    tab.removeAttribute("aria-current");
  }

  function setSort(link) {
    discussion.querySelectorAll("[data-parley-sort]").forEach(function (a) {
      var on = a === link;
      a.classList.toggle("current", on);
      if (on) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
    });
  }

  function goTo(key) {
    if (!bodyEl && window.parleyEmbed) { // the passage is on the host page
      document.dispatchEvent(new CustomEvent("parley:inline-goto", { detail: { key: key } }));
      return;
    }
    var mark = document.getElementById("passage-mark-" + key);
    if (!mark) { openTab(); return; }
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
    mark.classList.add("flash");
    setTimeout(function () { mark.classList.remove("flash"); }, 2000);
  }

  function onClick(event) {
    var t = event.target;
    if (t.closest("[data-inline-tab]")) {
      event.preventDefault();
      if (panel && !panel.hidden) { closeTab(); } else { openTab(); }
      return;
    }
    var sortLink = t.closest("[data-parley-sort]");
    if (sortLink && panel && !panel.hidden) {
      // The chosen sort orders comments within each passage of the open tab.
      event.preventDefault();
      event.stopPropagation();
      setSort(sortLink);
      openTab();
      return;
    }
    var respond = t.closest("[data-inline-comment]");
    if (respond) {
      var key = respond.dataset.inlineComment;
      if (byKey[key]) { openForm(byKey[key], key[0] === "q" ? key : null); }
      return;
    }
    var open = t.closest("[data-inline-open]");
    if (open) { openPopover([open.dataset.inlineOpen], open.closest(".inline-question-box")); return; }
    var goto = t.closest("[data-inline-goto]");
    if (goto) { event.preventDefault(); goTo(goto.dataset.inlineGoto); return; }
    var mark = t.closest("mark.inline-hl");
    if (mark && bodyEl.contains(mark) && window.getSelection().isCollapsed) {
      var keys = [], m = mark;
      while (m && m.matches && m.matches("mark.inline-hl")) {
        if (keys.indexOf(m.dataset.passage) === -1) { keys.push(m.dataset.passage); }
        m = m.parentElement;
      }
      openPopover(keys, blockOf(mark).el);
    }
  }

  // The discussion was re-rendered (the embed's frame, after its reader signed in or out).
  function rebind() {
    tab = document.querySelector("[data-inline-tab]");
    discussion = tab ? tab.closest(".discussion") || document : document;
    panel = null;
    stash = null;
    popover = null;
  }

  // The host page's article, in the embed's frame: highlights are drawn there.
  function initFrame() {
    document.addEventListener("parley:inline-passage", function (event) {
      var p = event.detail || {};
      if (typeof p.exact === "string" && p.exact) { openForm(p, null); }
    });
    document.addEventListener("parley:inline-open", function (event) {
      var keys = ((event.detail || {}).keys || []).filter(function (k) { return typeof k === "string"; });
      var head = discussion.querySelector(".discussion-head");
      if (keys.length && head) { openPopover(keys.slice(0, 20), head); }
    });
    document.addEventListener("parley:discussion-replaced", function () {
      rebind();
      watchPosts();
      loadPassages();
    });
    watchPosts();
    loadPassages();
  }

  function init() {
    tab = document.querySelector("[data-inline-tab]");
    bodyEl = document.querySelector(".story > .body");
    if (!tab) { return; }
    discussion = tab.closest(".discussion") || document;
    document.addEventListener("click", onClick, true);
    window.ParleyInline = { refresh: loadPassages };
    // live.js inserted comments: one on a passage changes the highlights.
    document.addEventListener("parley:comments-added", function (event) {
      if (event.detail && event.detail.anchored) { loadPassages(); }
    });
    if (!bodyEl) {
      if (window.parleyEmbed) { initFrame(); }
      return;
    }
    readBlocks();
    loadPassages();
    document.addEventListener("mouseup", function () { setTimeout(onSelection, 0); });
    document.addEventListener("keyup", function (e) { if (e.shiftKey || e.key === "Shift") { onSelection(); } });
    document.addEventListener("selectionchange", function () {
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed) { hideButton(); }
    });
    bodyEl.addEventListener("keydown", function (e) {
      var mark = e.target.closest && e.target.closest("mark.inline-hl");
      if (mark && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); mark.click(); }
    });
    watchPosts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
