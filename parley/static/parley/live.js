// Live discussion (docs/live.md): new comments, replies, votes, edits and removals arrive
// while the page is open, over Server-Sent Events from /live/articles/<id>/stream.
// New comments wait behind a "N new comments — show" button, so nothing moves under the
// reader until they ask; vote counts, the comment count, edits and removals apply in place.
// A hidden tab closes its stream and catches up (by event id) when shown again. When the
// stream is unavailable the page polls /events; an idle discussion offers a refresh.
// Inside the embed's frame (docs/embed.md) the site travels as ?site= and a reader signed
// in by a bearer key as ?ticket= (EventSource sends no headers); the frame buys tickets.
// New comments inserted are announced as a `parley:comments-added` event on document
// ({detail: {ids, anchored}}): inline.js refreshes the article's highlights on it.
(function () {
  "use strict";

  var script = document.querySelector("script[data-live-stream]");
  if (!script || !window.fetch || !window.Map) { return; }
  var streamUrl = new URL(script.dataset.liveStream, window.location.href);
  var base = streamUrl.pathname.replace(/\/stream$/, "");
  var lastId = Number(streamUrl.searchParams.get("last_event_id") || 0);
  var site = script.dataset.liveSite || "";
  var ticket = null; // the embed's reader, when signed in by a bearer key
  var ticketFailures = 0;
  var EVENT_TYPES = ["comment", "reply", "vote", "edit", "delete", "count"];

  var discussion = null;
  var threads = null;
  var control = null;
  var source = null;
  var pollTimer = null;
  var pollMs = 10000;
  var streamErrors = 0;
  var stopped = false; // idle or too far behind: only a refresh helps now
  var pending = new Map(); // comment id -> its event, waiting behind the button
  var seen = new Set();
  var seenOrder = [];
  var newest = {}; // what ("v<comment>", "count") -> newest event id applied

  function byId(commentId) { return document.getElementById("c-" + commentId); }

  function fromHTML(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  // An endpoint of this article's live app, with the embed's site and ticket if any.
  function endpoint(path, params) {
    var url = new URL(base + path, window.location.href);
    Object.keys(params || {}).forEach(function (k) { url.searchParams.set(k, params[k]); });
    if (site) { url.searchParams.set("site", site); }
    if (ticket) { url.searchParams.set("ticket", ticket); }
    return url.href;
  }

  function getJSON(url) {
    var headers = { Accept: "application/json" };
    if (window.parleyEmbed) { Object.assign(headers, window.parleyEmbed.headers()); }
    return fetch(url, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            var error = new Error("HTTP " + response.status);
            error.code = data.code || "";
            throw error;
          });
        }
        return response.json();
      });
  }

  // The embed's frame buys a ticket with its bearer key (null for a guest).
  function renewTicket() {
    var embed = window.parleyEmbed;
    if (!embed || !embed.liveTicket) { ticket = null; return Promise.resolve(null); }
    return embed.liveTicket(base + "/ticket?site=" + encodeURIComponent(site))
      .then(function (value) { ticket = value || null; return ticket; })
      .catch(function () { ticket = null; return null; });
  }

  // A refused ticket (expired, or its sign-in ended): buy another and reconnect.
  function ticketRefused(error) {
    if (!error || !/^ticket_/.test(error.code || "") || ticketFailures >= 3) { return false; }
    ticketFailures += 1;
    disconnect();
    stopPolling();
    renewTicket().then(connect);
    return true;
  }

  // Runs `change` without moving what is at the top edge of the window: when that edge
  // is inside the discussion, the first comment still on screen keeps its place.
  function keepInPlace(change) {
    var anchor = null;
    var before = 0;
    if (discussion.getBoundingClientRect().top < 0) {
      var comments = discussion.querySelectorAll("[data-comment]");
      for (var i = 0; i < comments.length; i++) {
        var rect = comments[i].getBoundingClientRect();
        if (rect.bottom > 0) { anchor = comments[i]; before = rect.top; break; }
      }
    }
    change();
    if (anchor && anchor.isConnected) {
      var shift = anchor.getBoundingClientRect().top - before;
      if (shift) { window.scrollBy(0, shift); }
    }
  }

  function setCount(event) {
    var count = event.counts && event.counts.comments;
    if (typeof count !== "number" || (newest.count || 0) > event.id) { return; }
    newest.count = event.id;
    var el = discussion.querySelector("[data-count]");
    if (el) { el.textContent = String(count); }
    var heading = discussion.querySelector(".comment-count");
    if (heading && heading.lastChild && heading.lastChild.nodeType === Node.TEXT_NODE) {
      heading.lastChild.textContent = count === 1 ? " Comment" : " Comments";
    }
  }

  // --- New comments and replies wait behind the button -------------------------------

  function showable(event) {
    if (event.type === "comment") { return true; }
    return Boolean(document.getElementById("t-" + event.thread)) ||
      (pending.has(event.thread) && pending.get(event.thread).type === "comment");
  }

  function waiting() {
    var list = [];
    pending.forEach(function (event, commentId) {
      if (byId(commentId)) { pending.delete(commentId); } // the reader's own, or shown
      else if (showable(event)) { list.push(event); }
    });
    return list;
  }

  function placeControl(kind, text, onClick) {
    if (!control) {
      control = document.createElement("button");
      control.type = "button";
      control.className = "new-comments";
      control.setAttribute("aria-live", "polite");
      control.addEventListener("click", function () { control.onActivate(); });
      keepInPlace(function () { threads.before(control); });
    }
    control.dataset.live = kind;
    control.textContent = text;
    control.onActivate = onClick;
  }

  function removeControl() {
    if (!control) { return; }
    var old = control;
    control = null;
    keepInPlace(function () { old.remove(); });
  }

  function renderWaiting() {
    if (stopped) { return; }
    var list = waiting();
    var replies = {};
    list.forEach(function (event) {
      if (event.type === "reply") { replies[event.thread] = (replies[event.thread] || 0) + 1; }
    });
    keepInPlace(function () { renderBadges(replies); });
    if (!list.length) { removeControl(); return; }
    var n = list.length;
    placeControl("new", n + " new comment" + (n === 1 ? "" : "s") + " — show", showWaiting);
  }

  function renderBadges(replies) {
    discussion.querySelectorAll("[data-live-badge]").forEach(function (badge) {
      if (!replies[badge.dataset.liveBadge]) { badge.remove(); }
    });
    Object.keys(replies).forEach(function (threadId) {
      var thread = document.getElementById("t-" + threadId);
      var head = thread && thread.querySelector(".comment-head");
      if (!head) { return; }
      var badge = head.querySelector("[data-live-badge]");
      if (!badge) {
        badge = document.createElement("button");
        badge.type = "button";
        badge.className = "live-badge";
        badge.dataset.liveBadge = threadId;
        badge.addEventListener("click", showWaiting);
        head.append(badge);
      }
      var n = replies[threadId];
      var text = n + " new repl" + (n === 1 ? "y" : "ies");
      if (badge.textContent !== text) { badge.textContent = text; } // no change, no mutation
    });
  }

  // Where a reply goes in a thread's flat, depth-first list: after its parent's last
  // descendant (as parley.js does for the reader's own replies).
  function insertReply(parentEl, node) {
    var depth = Number(parentEl.dataset.depth);
    var replies = parentEl.closest("[data-thread]").querySelector("[data-replies]");
    var anchor = parentEl.parentElement === replies ? parentEl : null;
    var next = anchor ? anchor.nextElementSibling : replies.firstElementChild;
    while (next && next.dataset.comment && Number(next.dataset.depth) > depth) {
      anchor = next;
      next = next.nextElementSibling;
    }
    if (anchor) { anchor.after(node); } else { replies.prepend(node); }
  }

  function newThread(commentId, node) {
    var thread = document.createElement("article");
    thread.className = "thread";
    thread.id = "t-" + commentId;
    thread.dataset.thread = commentId;
    var replies = document.createElement("div");
    replies.className = "replies";
    replies.dataset.replies = "";
    thread.append(node, replies);
    return thread;
  }

  function insertComments(comments) {
    var top = null;
    var added = [];
    comments.forEach(function (c) { // oldest first: parents come before their replies
      if (!byId(c.id)) { added.push(c.id); }
      pending.delete(c.id);
      if (byId(c.id)) { return; }
      var node = fromHTML(c.html).firstElementChild;
      node.classList.add("live-new");
      if (!c.parent) {
        var empty = threads.querySelector(".empty");
        if (empty) { empty.remove(); }
        top = newThread(c.id, node);
        threads.prepend(top);
      } else if (byId(c.parent)) {
        insertReply(byId(c.parent), node);
      }
    });
    announce(added, comments);
    return top;
  }

  // inline.js (the article's highlights) listens: a new comment may be on a passage.
  function announce(ids, comments) {
    if (!ids.length) { return; }
    var anchored = comments.some(function (c) { return c.anchored && ids.indexOf(c.id) >= 0; });
    document.dispatchEvent(new CustomEvent("parley:comments-added", {
      detail: { ids: ids, anchored: anchored }
    }));
  }

  function showWaiting() {
    var ids = waiting().map(function (event) { return event.comment; });
    var batches = [];
    for (var i = 0; i < ids.length; i += 50) {
      batches.push(getJSON(endpoint("/comments", { ids: ids.slice(i, i + 50).join(",") })));
    }
    Promise.all(batches).then(function (results) {
      var top = null;
      keepInPlace(function () {
        results.forEach(function (data) { top = insertComments(data.comments) || top; });
        ids.forEach(function (commentId) { pending.delete(commentId); }); // gone or hidden
        renderWaiting();
      });
      if (top) { top.scrollIntoView({ block: "start" }); }
    }).catch(function () { renderWaiting(); });
  }

  // --- Changes that apply in place ---------------------------------------------------

  function refresh(el) {
    getJSON(endpoint("/comments", { ids: el.dataset.comment })).then(function (data) {
      var fresh = data.comments[0];
      if (!fresh || !el.isConnected) { return; }
      keepInPlace(function () { el.replaceWith(fromHTML(fresh.html).firstElementChild); });
      announce([fresh.id], [fresh]); // approved: its passage is highlighted now
    }).catch(function () {});
  }

  function applyVote(event) {
    var key = "v" + event.comment;
    if ((newest[key] || 0) > event.id) { return; }
    newest[key] = event.id;
    var el = byId(event.comment);
    if (!el) { return; }
    var up = el.querySelector("[data-up]");
    var down = el.querySelector("[data-down]");
    if (up) { up.textContent = String(event.counts.up); }
    if (down) { down.textContent = String(event.counts.down); }
  }

  function applyEdit(event) {
    var el = byId(event.comment);
    var body = el && el.querySelector("[data-body]");
    if (!body || typeof event.html !== "string") { return; }
    keepInPlace(function () {
      body.innerHTML = event.html; // sanitised on the server (discussion/rendering.py)
      var head = el.querySelector(".comment-head");
      if (head && !head.querySelector(".edited")) {
        var mark = document.createElement("span");
        mark.className = "edited";
        mark.textContent = "edited";
        head.append(mark);
      }
    });
  }

  function applyDelete(event) {
    pending.delete(event.comment);
    var el = byId(event.comment);
    if (!el) { renderWaiting(); return; }
    keepInPlace(function () {
      if (event.tombstone) {
        el.classList.add("tombstone");
        var text = document.createElement("p");
        text.className = "body tombstone-text";
        text.textContent = event.status === "removed"
          ? "This comment was removed by a moderator."
          : "This comment was deleted.";
        var body = el.querySelector("[data-body]");
        if (body) { body.replaceWith(text); }
        var author = el.querySelector(".author");
        if (author) { author.textContent = "—"; }
        el.querySelectorAll(".comment-actions, .edited").forEach(function (n) { n.remove(); });
      } else if (el.parentElement && el.parentElement.matches("[data-replies]")) {
        el.remove();
      } else {
        (el.closest("[data-thread]") || el).remove();
      }
    });
    renderWaiting();
  }

  function apply(event) {
    if (seen.has(event.id)) { return; }
    seen.add(event.id);
    seenOrder.push(event.id);
    if (seenOrder.length > 2000) { seen.delete(seenOrder.shift()); }
    if (event.id > lastId) { lastId = event.id; }
    if (event.type === "comment" || event.type === "reply") {
      setCount(event);
      var shown = byId(event.comment);
      if (shown) {
        // Approved or restored by a moderator: what the page shows is out of date.
        if (shown.matches(".tombstone") || shown.querySelector(".pending")) { refresh(shown); }
      } else if (!pending.has(event.comment)) {
        pending.set(event.comment, event);
        renderWaiting();
      }
    } else if (event.type === "vote") {
      applyVote(event);
    } else if (event.type === "edit") {
      applyEdit(event);
    } else if (event.type === "delete") {
      setCount(event);
      applyDelete(event);
    } else if (event.type === "count") {
      setCount(event);
    }
  }

  // --- Stream, polling, and when to use which -------------------------------------------

  // data-live on the discussion: live, polling, paused (hidden tab) or off.
  function setState(state) { discussion.dataset.live = state; }

  function offerRefresh(text) {
    stopped = true;
    setState("off");
    disconnect();
    stopPolling();
    placeControl("refresh", text, function () { window.location.reload(); });
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
  }

  function connect() {
    if (stopped || source || document.hidden) { return; }
    if (!window.EventSource) { startPolling(); return; }
    source = new EventSource(endpoint("/stream", { last_event_id: String(lastId) }));
    source.addEventListener("hello", function () {
      streamErrors = 0;
      ticketFailures = 0;
      stopPolling();
      setState("live");
    });
    EVENT_TYPES.forEach(function (type) {
      source.addEventListener(type, function (message) { apply(JSON.parse(message.data)); });
    });
    source.addEventListener("refetch", function () {
      offerRefresh("New comments — refresh to see the discussion as it is now");
    });
    source.addEventListener("poll", function () { disconnect(); startPolling(); });
    source.addEventListener("error", function () {
      if (!source) { return; }
      if (source.readyState === EventSource.CLOSED) { // 204 (idle) or an error status
        disconnect();
        whyClosed();
        return;
      }
      streamErrors += 1; // the browser retries; a proxy that breaks streams gets polling
      if (streamErrors >= 3) { disconnect(); startPolling(); }
    });
  }

  function whyClosed() {
    getJSON(endpoint("/events", { after: String(lastId) })).then(function (data) {
      if (data.idle) {
        offerRefresh("This discussion has been quiet — refresh to check for new comments");
      } else {
        handlePoll(data);
      }
    }).catch(function (error) { if (!ticketRefused(error)) { startPolling(); } });
  }

  function startPolling() {
    if (stopped || pollTimer || document.hidden) { return; }
    setState("polling");
    var delay = pollMs * (0.75 + Math.random() / 2);
    pollTimer = window.setTimeout(pollOnce, delay);
  }

  function stopPolling() {
    if (pollTimer) { window.clearTimeout(pollTimer); pollTimer = null; }
  }

  function handlePoll(data) {
    pollMs = data.poll_ms || pollMs;
    data.events.forEach(apply);
    if (data.last > lastId) { lastId = data.last; }
    if (data.refetch) {
      offerRefresh("New comments — refresh to see the discussion as it is now");
    } else if (data.idle) {
      offerRefresh("This discussion has been quiet — refresh to check for new comments");
    } else {
      if (data.live) { streamErrors = 0; connect(); } // polling stops once it says hello
      startPolling();
    }
  }

  function pollOnce() {
    pollTimer = null;
    getJSON(endpoint("/events", { after: String(lastId) })).then(handlePoll).catch(function (error) {
      if (!ticketRefused(error)) { startPolling(); }
    });
  }

  function onVisibility() {
    if (document.hidden) {
      disconnect();
      stopPolling();
      if (!stopped) { setState("paused"); }
    } else {
      connect();
    }
  }

  function injectStyle() {
    var style = document.createElement("style");
    style.textContent =
      ".live-badge{margin-left:.5rem;padding:0 .55rem;border:0;border-radius:999px;" +
      "background:var(--link);color:#fff;font:600 .75rem/1.6 var(--sans);cursor:pointer}" +
      ".comment.live-new{animation:parley-live-new 2.5s ease-out}" +
      "@keyframes parley-live-new{from{background:var(--focus)}to{background:transparent}}";
    document.head.append(style);
  }

  var observer = null;

  function bind() {
    discussion = document.querySelector(".discussion[data-article]");
    threads = discussion && discussion.querySelector("[data-threads]");
    if (!threads) { return false; }
    control = null;
    // parley.js inserts the reader's own comments; drop them from the waiting list.
    if (observer) { observer.disconnect(); }
    observer = new MutationObserver(function () { if (pending.size) { renderWaiting(); } });
    observer.observe(threads, { childList: true, subtree: true });
    return true;
  }

  // The embed's frame re-renders the discussion when its reader signs in or out: a new
  // reader, so a new ticket, and new elements to work in.
  function restart() {
    disconnect();
    stopPolling();
    pending.clear();
    if (!bind()) { return; }
    renewTicket().then(connect);
  }

  function start() {
    if (!bind()) { return; }
    injectStyle();
    document.addEventListener("visibilitychange", onVisibility);
    document.addEventListener("parley:discussion-replaced", restart);
    renewTicket().then(connect);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
