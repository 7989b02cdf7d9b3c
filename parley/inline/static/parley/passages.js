// Passages of an article's plain text, shared by inline.js (Parley's article page) and
// embed.js (the publisher's page around the embedded widget; the /embed.js view serves
// this file before the loader). Pure DOM and string work: no request, no markup parsed.
(function () {
  "use strict";
  if (window.ParleyPassages) { return; }

  function common(a, b, fromEnd) {
    var n = 0;
    while (n < a.length && n < b.length &&
      (fromEnd ? a[a.length - 1 - n] === b[b.length - 1 - n] : a[n] === b[n])) { n++; }
    return n;
  }

  // Where a stored passage {start, end, exact, prefix, suffix} is in `plain`: its offsets
  // when the text there is its quote, else the occurrence of the quote whose surroundings
  // best match its prefix and suffix; null when the quote is not in the text.
  function locate(plain, p) {
    if (plain.slice(p.start, p.end) === p.exact) { return [p.start, p.end]; }
    var best = null, bestScore = -1, at = p.exact ? plain.indexOf(p.exact) : -1;
    while (at !== -1) {
      var score = common(p.prefix || "", plain.slice(Math.max(0, at - (p.prefix || "").length), at), true) +
        common(p.suffix || "", plain.slice(at + p.exact.length, at + p.exact.length + (p.suffix || "").length), false);
      if (score > bestScore) { best = at; bestScore = score; }
      at = plain.indexOf(p.exact, at + 1);
    }
    return best === null ? null : [best, best + p.exact.length];
  }

  // The text nodes of `el` in document order, less those `accept(node)` refuses.
  function textNodes(el, accept) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), out = [], n;
    while ((n = walker.nextNode())) { if (!accept || accept(n)) { out.push(n); } }
    return out;
  }

  // Wraps characters [from, to) of `el` (offsets into the concatenated data of its text
  // nodes) in elements made by `makeMark()`, one per text node: a passage inside or across
  // another one nests or splits their marks. Returns the marks.
  function wrap(el, from, to, makeMark, accept) {
    var pos = 0, marks = [];
    textNodes(el, accept).forEach(function (node) {
      var s = pos, e = pos + node.data.length;
      pos = e;
      if (e <= from || s >= to || s === e) { return; }
      var target = from > s ? node.splitText(from - s) : node;
      var targetStart = Math.max(s, from);
      if (to < e) { target.splitText(to - targetStart); }
      var mark = makeMark();
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
      marks.push(mark);
    });
    return marks;
  }

  // Removes the marks matched by `selector` under `root`, leaving their text in place.
  function unwrap(root, selector) {
    root.querySelectorAll(selector).forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) { parent.insertBefore(mark.firstChild, mark); }
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  window.ParleyPassages = { locate: locate, common: common, textNodes: textNodes, wrap: wrap, unwrap: unwrap };
})();
