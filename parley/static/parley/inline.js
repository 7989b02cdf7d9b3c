// Inline feedback: comments anchored to a passage of the article (parley.inline).
// Offsets are over the article's plain text as the server computes it: the body's blocks
// joined by "\n\n". Each block element carries data-start/data-end (its offsets) and
// data-lead (characters rendered before its text, as the pull quote's opening “).
(function () {
  "use strict";

  var CONTEXT = 32;
  var tab, discussion, bodyEl, blocks = [], plain = "", passages = [], byKey = {};
  var pending = null, button = null, popover = null, panel = null, stash = null;

  function fragment(url) {
    return fetch(url, { headers: { "X-Parley-Fragment": "1" }, credentials: "same-origin" })
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

  // Where a stored passage is on this page: its offsets when the text there is its quote,
  // else the occurrence of the quote whose surroundings best match its prefix and suffix.
  function locate(p) {
    if (plain.slice(p.start, p.end) === p.exact) { return [p.start, p.end]; }
    var best = null, bestScore = -1, at = plain.indexOf(p.exact);
    while (at !== -1 && p.exact) {
      var score = common(p.prefix, plain.slice(Math.max(0, at - p.prefix.length), at), true) +
        common(p.suffix, plain.slice(at + p.exact.length, at + p.exact.length + p.suffix.length), false);
      if (score > bestScore) { best = at; bestScore = score; }
      at = plain.indexOf(p.exact, at + 1);
    }
    return best === null ? null : [best, best + p.exact.length];
  }

  function common(a, b, fromEnd) {
    var n = 0;
    while (n < a.length && n < b.length &&
      (fromEnd ? a[a.length - 1 - n] === b[b.length - 1 - n] : a[n] === b[n])) { n++; }
    return n;
  }

  // ---- Highlights -------------------------------------------------------------------------
  function textNodes(el) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), out = [], n;
    while ((n = walker.nextNode())) { out.push(n); }
    return out;
  }

  // Wraps characters [from, to) of a block element (element offsets) in <mark>s, one per
  // text node: a passage inside or across another one nests or splits its marks.
  function wrap(el, from, to, passage) {
    var pos = 0, marks = [];
    textNodes(el).forEach(function (node) {
      var s = pos, e = pos + node.data.length;
      pos = e;
      if (e <= from || s >= to || s === e) { return; }
      var target = from > s ? node.splitText(from - s) : node;
      var targetStart = Math.max(s, from);
      if (to < e) { target.splitText(to - targetStart); }
      var mark = document.createElement("mark");
      mark.className = "inline-hl" + (passage.kind === "question" ? " inline-question" : "") +
        (passage.changed ? " changed" : "");
      mark.dataset.passage = passage.key;
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
      marks.push(mark);
    });
    return marks;
  }

  function unwrapAll() {
    bodyEl.querySelectorAll("mark.inline-hl").forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) { parent.insertBefore(mark.firstChild, mark); }
      parent.removeChild(mark);
    });
    blocks.forEach(function (b) { b.el.normalize(); });
    bodyEl.querySelectorAll(".inline-question-box, .inline-popover").forEach(function (n) { n.remove(); });
    popover = null;
  }

  function highlight(p) {
    var span = locate(p);
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

  function render() {
    unwrapAll();
    // Outer passages first, so that a passage inside another nests in its marks.
    passages.slice().sort(function (a, b) { return a.start - b.start || b.end - a.end; })
      .forEach(highlight);
    var total = passages.reduce(function (n, p) { return n + p.count; }, 0);
    tab.querySelector("[data-inline-count]").textContent = total ? " " + total : "";
  }

  function loadPassages() {
    return fetch(tab.dataset.passagesUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        passages = data.passages || [];
        byKey = {};
        passages.forEach(function (p) { byKey[p.key] = p; });
        render();
        bodyEl.dataset.inlineReady = "1";
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

  function init() {
    tab = document.querySelector("[data-inline-tab]");
    bodyEl = document.querySelector(".story > .body");
    if (!tab) { return; }
    discussion = tab.closest(".discussion") || document;
    document.addEventListener("click", onClick, true);
    if (!bodyEl) { return; }
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
