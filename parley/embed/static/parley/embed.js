// Parley's embed loader, for publishers' pages (docs/embed.md):
//
//   <script src="https://comments.example.com/embed.js" data-parley-site="KEY"
//           data-parley-url="CANONICAL URL" async></script>
//   <span data-parley-count="CANONICAL URL"></span>       (comment counts, one request)
//
// The discussion is an iframe of Parley's /embed/ page, sized to its content. Single
// sign-on: set window.parleyConfig = {sso: function () { return tokenOrPromise; }} (or
// data-parley-sso="JWT"); the token is handed to the frame by postMessage, renewed a
// minute before it expires, and Parley.logout() signs the reader out of the widget.
//
// Inline feedback: data-parley-article="CSS selector" names the element holding the
// article. Its text goes to the frame (which sends it to Parley), passages carrying
// comments are highlighted in it with their counts, and selecting a passage offers
// "Comment on this passage". Everything this script adds to the page is built with
// createElement and textContent: nothing from Parley or its readers is parsed as markup.
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[data-parley-site][src*='/embed.js']");
  if (!script || window.Parley && window.Parley.loaded) { return; }
  var parley = new URL(script.src, location.href).origin;
  var site = script.dataset.parleySite;
  var config = window.parleyConfig || {};
  var frame = null;
  var renewTimer = null;

  function canonicalUrl() {
    if (script.dataset.parleyUrl) { return script.dataset.parleyUrl; }
    var link = document.querySelector("link[rel=canonical]");
    return (link && link.href) || location.href.split("#")[0];
  }

  function countText(n) { return n + (n === 1 ? " Comment" : " Comments"); }

  // --- the count widget -------------------------------------------------------------
  function fillCounts() {
    var spans = Array.prototype.slice.call(document.querySelectorAll("[data-parley-count]"));
    var urls = [];
    spans.forEach(function (span) {
      var url = span.dataset.parleyCount.split("#")[0];
      if (url && urls.indexOf(url) < 0) { urls.push(url); }
    });
    for (var i = 0; i < urls.length; i += 100) { countBatch(urls.slice(i, i + 100), spans); }
  }

  function countBatch(urls, spans) {
    var query = new URLSearchParams({ site: site });
    urls.forEach(function (url) { query.append("urls", url); });
    fetch(parley + "/api/v1/articles/counts?" + query, { credentials: "omit", mode: "cors" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var counts = {};
        data.counts.forEach(function (c) { counts[c.canonical_url] = c.comment_count; });
        spans.forEach(function (span) {
          var url = span.dataset.parleyCount.split("#")[0];
          if (urls.indexOf(url) >= 0) { span.textContent = countText(counts[url] || 0); }
        });
      })
      .catch(function () {});
  }

  // --- single sign-on ---------------------------------------------------------------
  function expiry(token) {
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part)).exp * 1000;
    } catch (e) { return null; }
  }

  function getToken() {
    if (typeof config.sso === "function") { return Promise.resolve(config.sso()); }
    var once = script.dataset.parleySso;
    delete script.dataset.parleySso;  // a token signs in once (its jti)
    return Promise.resolve(once || null);
  }

  function send(message) {
    if (frame && frame.contentWindow) { frame.contentWindow.postMessage(message, parley); }
  }

  var signingIn = null;

  function signIn() {
    // One at a time: the frame's "ready" and the host's login may ask together.
    if (signingIn) { return signingIn; }
    clearTimeout(renewTimer);
    signingIn = getToken().then(function (token) {
      if (!token) { return; }
      send({ type: "parley:sso", token: token });
      var exp = expiry(token);
      if (exp && typeof config.sso === "function") {
        renewTimer = setTimeout(signIn, Math.max(exp - Date.now() - 60000, 5000));
      }
    }).catch(function () {}).then(function () { signingIn = null; });
    return signingIn;
  }

  // --- the discussion frame ---------------------------------------------------------
  function embed() {
    var target = (script.dataset.parleyTarget && document.querySelector(script.dataset.parleyTarget)) ||
      document.getElementById("parley-thread");
    var title = script.dataset.parleyTitle || document.title;
    var query = new URLSearchParams({ site: site, url: canonicalUrl(), title: title, origin: location.origin });
    frame = document.createElement("iframe");
    frame.src = parley + "/embed/?" + query;
    frame.title = "Comments";
    frame.setAttribute("scrolling", "no");
    frame.style.cssText = "width:100%;border:0;min-height:200px;height:400px;display:block";
    if (target) { target.appendChild(frame); } else { script.after(frame); }
  }

  // --- inline feedback on the host page's article -----------------------------------
  var BLOCKS = "p,h1,h2,h3,h4,h5,h6,li,blockquote,pre,figcaption,dt,dd,td,th";
  var SKIP = "script,style,noscript,template,iframe,textarea,select,button,input," +
    "[hidden],[aria-hidden=true],[data-parley-ui]";
  // As parley.inline.access.clean_host_block: control and format characters are dropped.
  var DROP = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
  var P = window.ParleyPassages;
  var host = null;       // the article element
  var model = null;      // {plain, chars: [{block, raw}] per UTF-16 unit, blocks, astral}
  var shown = [];        // the passages the frame sent
  var selected = null;   // the passage under the reader's selection
  var button = null;

  function articleElement() {
    var selector = script.dataset.parleyArticle;
    if (!selector) { return null; }
    try { return document.querySelector(selector); } catch (e) { return null; }
  }

  function accept(node) {
    var el = node.parentElement;
    return Boolean(el) && !el.closest(SKIP);
  }

  function blockElements() {
    var all = Array.prototype.filter.call(host.querySelectorAll(BLOCKS), function (el) {
      return !el.closest(SKIP) && !el.querySelector(BLOCKS);
    });
    return all.length ? all : [host];
  }

  // The article's plain text: each block's text with whitespace folded, blocks joined by
  // a blank line (as parley.inline.access.check_host_text joins them), and for each
  // character of it, the block element and the offset in that element's text nodes.
  function readHost() {
    var plain = "", chars = [], texts = [];
    blockElements().forEach(function (el) {
      var text = "", map = [], raw = 0, space = -1;
      P.textNodes(el, accept).forEach(function (node) {
        var data = node.data;
        for (var i = 0; i < data.length;) {
          var cp = data.codePointAt(i), ch = String.fromCodePoint(cp), at = raw + i;
          i += ch.length;
          if (/\s/.test(ch)) { if (text) { space = at; } continue; }
          if (DROP.test(ch)) { continue; }
          if (space >= 0) { text += " "; map.push({ el: el, raw: space }); space = -1; }
          text += ch;
          for (var k = 0; k < ch.length; k++) { map.push({ el: el, raw: at + k }); }
        }
        raw += data.length;
      });
      if (!text) { return; }
      if (plain) { plain += "\n\n"; chars.push(null, null); }
      plain += text;
      for (var j = 0; j < map.length; j++) { chars.push(map[j]); }
      texts.push(text);
    });
    return { plain: plain, chars: chars, blocks: texts, astral: /[\uD800-\uDBFF]/.test(plain) };
  }

  // Parley counts offsets in code points, the page in UTF-16 units.
  function toPoints(units) {
    return model.astral ? Array.from(model.plain.slice(0, units)).length : units;
  }

  function toUnits(points) {
    if (!model.astral) { return points; }
    var units = 0, n = 0;
    for (var ch of model.plain) { if (n >= points) { break; } units += ch.length; n++; }
    return units;
  }

  function injectStyle() {
    var style = document.createElement("style");
    style.textContent =
      "mark.parley-hl{background:rgba(255,214,10,.3);color:inherit;cursor:pointer;border-radius:2px}" +
      "mark.parley-hl[data-parley-passage-count]::after{content:attr(data-parley-passage-count);" +
      "margin-left:.2em;padding:0 .35em;font:700 .65rem/1.5 sans-serif;vertical-align:super;" +
      "background:#ffd60a;color:#222;border-radius:999px}" +
      "mark.parley-hl:focus-visible{outline:2px solid #1f4e79}" +
      ".parley-passage-button{position:absolute;z-index:2147483000;font:600 13px/1 sans-serif;" +
      "padding:7px 12px;border:0;border-radius:4px;background:#1f4e79;color:#fff;cursor:pointer;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.25)}";
    document.head.appendChild(style);
  }

  function drawHighlights() {
    P.unwrap(host, "mark.parley-hl");
    model = readHost();
    shown.slice().sort(function (a, b) { return a.start - b.start || b.end - a.end; })
      .forEach(function (p) {
        var span = P.locate(model.plain, {
          start: toUnits(p.start), end: toUnits(p.end), exact: p.exact, prefix: p.prefix, suffix: p.suffix
        });
        if (!span) { return; }
        // Per block element: the raw offsets of the passage's first and last characters.
        var runs = [];
        for (var i = span[0]; i < span[1]; i++) {
          var c = model.chars[i];
          if (!c) { continue; }
          var last = runs[runs.length - 1];
          if (last && last.el === c.el) { last.to = c.raw + 1; } else { runs.push({ el: c.el, from: c.raw, to: c.raw + 1 }); }
        }
        var marks = [];
        runs.forEach(function (run) {
          marks = marks.concat(P.wrap(run.el, run.from, run.to, function () {
            var mark = document.createElement("mark");
            mark.className = "parley-hl";
            mark.dataset.parleyPassage = p.key;
            return mark;
          }, accept));
        });
        if (!marks.length) { return; }
        var label = p.kind === "question"
          ? "Question: " + p.question + " (" + p.count + " answer" + (p.count === 1 ? "" : "s") + ")"
          : p.count + " comment" + (p.count === 1 ? "" : "s") + " on this passage";
        marks.forEach(function (m) { m.title = label; });
        marks[0].tabIndex = 0;
        marks[0].setAttribute("role", "button");
        marks[0].setAttribute("aria-label", label);
        marks[marks.length - 1].dataset.parleyPassageCount = (p.kind === "question" ? "?" : "") + p.count;
      });
    model = readHost(); // the marks split text nodes; offsets within blocks are unchanged
  }

  function onPassages(list) {
    shown = list.filter(function (p) {
      return p && typeof p.key === "string" && typeof p.exact === "string" &&
        typeof p.start === "number" && typeof p.end === "number";
    }).map(function (p) {
      return { key: p.key, kind: p.kind === "question" ? "question" : "comments", start: p.start,
               end: p.end, exact: p.exact, prefix: String(p.prefix || ""), suffix: String(p.suffix || ""),
               count: Number(p.count) || 0, question: String(p.question || "") };
    });
    drawHighlights();
  }

  function hideButton() { if (button) { button.hidden = true; } }

  function onSelection() {
    var sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) { hideButton(); return; }
    var range = sel.getRangeAt(0);
    if (!host.contains(range.commonAncestorContainer)) { hideButton(); return; }
    var first = -1, last = -1, nodes = new Map();
    for (var i = 0; i < model.chars.length; i++) {
      var c = model.chars[i];
      if (!c) { continue; }
      if (!nodes.has(c.el)) { nodes.set(c.el, range.intersectsNode(c.el) ? P.textNodes(c.el, accept) : null); }
      if (nodes.get(c.el) && rawInRange(range, c, nodes.get(c.el))) {
        if (first < 0) { first = i; }
        last = i;
      }
    }
    if (first < 0) { hideButton(); return; }
    var plain = model.plain, start = first, end = last + 1;
    while (start < end && /\s/.test(plain[start])) { start++; }
    while (end > start && /\s/.test(plain[end - 1])) { end--; }
    if (end <= start || end - start > 1000) { hideButton(); return; }
    selected = {
      exact: plain.slice(start, end),
      prefix: plain.slice(Math.max(0, start - 32), start),
      suffix: plain.slice(end, end + 32),
      start: toPoints(start),
      end: toPoints(end)
    };
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "parley-passage-button";
      button.dataset.parleyUi = "";
      button.textContent = "Comment on this passage";
      button.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the selection
      button.addEventListener("click", function () {
        if (!selected) { return; }
        send({ type: "parley:comment-passage", passage: selected });
        hideButton();
      });
      document.body.appendChild(button);
    }
    var rect = range.getBoundingClientRect();
    button.style.top = (rect.bottom + window.scrollY + 6) + "px";
    button.style.left = Math.max(8, rect.left + window.scrollX) + "px";
    button.hidden = false;
  }

  // Whether a character (its block element and raw offset) lies inside the range.
  function rawInRange(range, c, nodes) {
    var pos = 0;
    for (var i = 0; i < nodes.length; i++) {
      var len = nodes[i].data.length;
      if (c.raw < pos + len) {
        var offset = c.raw - pos;
        return range.comparePoint(nodes[i], offset) === 0 && range.comparePoint(nodes[i], offset + 1) === 0;
      }
      pos += len;
    }
    return false;
  }

  function openMarks(mark) {
    var keys = [], m = mark;
    while (m && m.matches && m.matches("mark.parley-hl")) {
      if (keys.indexOf(m.dataset.parleyPassage) === -1) { keys.push(m.dataset.parleyPassage); }
      m = m.parentElement;
    }
    send({ type: "parley:open-passage", keys: keys });
  }

  function initInline() {
    host = articleElement();
    if (!host || !P) { return; }
    injectStyle();
    model = readHost();
    document.addEventListener("mouseup", function () { setTimeout(onSelection, 0); });
    document.addEventListener("keyup", function (e) { if (e.shiftKey || e.key === "Shift") { onSelection(); } });
    document.addEventListener("selectionchange", function () {
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed) { hideButton(); }
    });
    host.addEventListener("click", function (event) {
      var mark = event.target.closest && event.target.closest("mark.parley-hl");
      if (mark && window.getSelection().isCollapsed) { openMarks(mark); }
    });
    host.addEventListener("keydown", function (event) {
      var mark = event.target.closest && event.target.closest("mark.parley-hl");
      if (mark && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); openMarks(mark); }
    });
  }

  function focusFrame() {
    if (frame && frame.getBoundingClientRect().top > window.innerHeight * 0.6) {
      frame.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.origin !== parley || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "parley:resize") { frame.style.height = Math.ceil(data.height) + "px"; }
    if (data.type === "parley:ready" || data.type === "parley:session-expired") { signIn(); }
    if (data.type === "parley:ready" && host) {
      send({ type: "parley:host-text", blocks: (model = readHost()).blocks });
    }
    if (data.type === "parley:passages" && host && Array.isArray(data.passages)) {
      onPassages(data.passages);
    }
    if (data.type === "parley:focus") { focusFrame(); }
    if (data.type === "parley:goto-passage" && host) {
      var target = Array.prototype.find.call(host.querySelectorAll("mark.parley-hl"), function (m) {
        return m.dataset.parleyPassage === String(data.key);
      });
      if (target) { target.scrollIntoView({ block: "center" }); target.focus({ preventScroll: true }); }
    }
    if (data.type === "parley:login") {
      if (typeof config.onLogin === "function") { config.onLogin(); }
      else if (script.dataset.parleyLoginUrl) { location.assign(script.dataset.parleyLoginUrl); }
    }
    if (data.type === "parley:count") {
      document.querySelectorAll("[data-parley-count]").forEach(function (span) {
        if (span.dataset.parleyCount.split("#")[0] === canonicalUrl().split("#")[0]) {
          span.textContent = countText(data.count);
        }
      });
    }
  });

  window.Parley = {
    loaded: true,
    // After the host page's sign-in: hand the widget a fresh token.
    login: function () { return signIn(); },
    // After the host page's sign-out: the widget signs out too.
    logout: function () { clearTimeout(renewTimer); send({ type: "parley:sso", token: null }); },
    refreshCounts: fillCounts
  };

  fillCounts();
  if (script.dataset.parleyUrl !== undefined || document.getElementById("parley-thread")) {
    initInline();
    embed();
  }
})();
