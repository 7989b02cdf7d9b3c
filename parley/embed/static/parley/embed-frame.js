// Parley's discussion inside a publisher's page (parley/embed, docs/embed.md). This frame
// is on Parley's origin; the host page (embed.js) is on the publisher's. They talk by
// postMessage, each checking the other's origin. Browsers withhold Parley's cookies here,
// so the reader's single sign-on session travels as a bearer key in headers that
// parley.js adds to every request (window.parleyEmbed.headers).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("parley-embed-config").textContent);
  var session = null;
  var sessionName = null;

  window.parleyEmbed = {
    headers: function () {
      var headers = { "X-Parley-Embed": "1", "X-Parley-Site": config.site };
      if (session) { headers.Authorization = "Bearer " + session; }
      return headers;
    },
    // live.js: EventSource cannot send the bearer key, so the stream takes a ticket
    // bought with it (parley/live/tickets.py); null for a guest.
    liveTicket: function (url) {
      if (!session) { return Promise.resolve(null); }
      return fetch(url, { headers: window.parleyEmbed.headers(), credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { return data && data.ticket; });
    }
  };

  function tell(message) {
    if (window.parent !== window && config.origin) { window.parent.postMessage(message, config.origin); }
  }

  function notice(text) {
    var box = document.querySelector("[data-embed-notice]");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }

  function account(name) {
    var line = document.querySelector("[data-embed-account]");
    if (!line) { return; }
    line.textContent = name ? "Signed in as " + name : "";
    line.hidden = !name;
  }

  function adjustLinks(root) {
    // "Sign in" belongs to the host page's own login; Subscribe to the publisher's offer.
    root.querySelectorAll("a[href*='/accounts/login/']").forEach(function (a) {
      a.dataset.parleyLogin = "";
      a.removeAttribute("target");
    });
    if (config.subscribe) {
      root.querySelectorAll("a[href$='/subscribe/']").forEach(function (a) { a.href = config.subscribe; });
    }
  }

  function rerender() {
    var headers = Object.assign({ "X-Parley-Fragment": "1" }, window.parleyEmbed.headers());
    return fetch(config.discussion, { headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.headers.get("X-Parley-Session") === "expired") {
          session = null;
          sessionName = null;
          account(null);
          tell({ type: "parley:session-expired" });
        }
        return response.json();
      })
      .then(function (data) {
        var old = document.querySelector(".discussion");
        if (!data.html || !old) { return; }
        var template = document.createElement("template");
        template.innerHTML = data.html.trim();
        var fresh = template.content.firstElementChild;
        old.replaceWith(fresh);
        adjustLinks(fresh);
        // live.js and inline.js work in the new section (and live.js for the new reader).
        document.dispatchEvent(new CustomEvent("parley:discussion-replaced"));
        tell({ type: "parley:count", count: data.count });
      });
  }

  function signIn(token) {
    return fetch("/api/v1/sso/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify({ site: config.site, token: token })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          session = null;
          sessionName = null;
          account(null);
          notice("Signing in did not work: " + (data.message || "unknown error"));
          tell({ type: "parley:sso-refused", code: data.code });
          return rerender();
        }
        // A renewed token for the same reader swaps the key only: re-rendering would lose
        // what they are typing.
        var same = session && sessionName === data.user.name;
        session = data.session;
        sessionName = data.user.name;
        account(data.user.name);
        notice("");
        tell({ type: "parley:signed-in", expires_at: data.expires_at });
        return same ? null : rerender();
      });
    });
  }

  function signOut() {
    var ending = session;
    session = null;
    sessionName = null;
    account(null);
    var done = ending
      ? fetch("/api/v1/sso/session", {
          method: "DELETE", credentials: "omit", headers: { Authorization: "Bearer " + ending }
        }).catch(function () {})
      : Promise.resolve();
    return done.then(rerender);
  }

  // --- inline feedback: the article is on the host page (docs/embed.md) --------------
  var hostBlocks = null;
  var hostTextSent = null; // the promise of the last upload, for the blocks held now

  // A reader who may post sends the host page's text (their form is on the page), so that
  // passages are checked against it and a changed article re-anchors them.
  function sendHostText() {
    if (!hostBlocks || !config.hostText || !document.querySelector("form[data-parley=post]")) {
      return Promise.resolve();
    }
    if (!hostTextSent) {
      hostTextSent = fetch(config.hostText, {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, window.parleyEmbed.headers()),
        credentials: "omit",
        body: JSON.stringify({ blocks: hostBlocks, origin: config.origin, url: config.url })
      }).catch(function () {});
    }
    return hostTextSent;
  }

  function isPassage(p) {
    return p && typeof p.exact === "string" && p.exact.length <= 1000 &&
      [p.start, p.end].every(function (n) { return typeof n === "number" && n >= 0; }) &&
      [p.prefix, p.suffix].every(function (t) { return typeof t === "string" && t.length <= 64; });
  }

  function relay(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  document.addEventListener("parley:passages", function (event) {
    var list = (event.detail && event.detail.passages) || [];
    tell({
      type: "parley:passages",
      passages: list.map(function (p) {
        return { key: p.key, kind: p.kind, start: p.start, end: p.end, exact: p.exact,
                 prefix: p.prefix, suffix: p.suffix, count: p.count, changed: p.changed,
                 question: p.question };
      })
    });
  });
  document.addEventListener("parley:inline-goto", function (event) {
    tell({ type: "parley:goto-passage", key: String((event.detail || {}).key || "") });
  });
  document.addEventListener("parley:discussion-replaced", function () {
    hostTextSent = null; // a new reader: one who may post sends it
    sendHostText();
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== config.origin) { return; }
    var data = event.data || {};
    if (data.type === "parley:sso") {
      if (data.token) { signIn(String(data.token)); } else { signOut(); }
    }
    if (data.type === "parley:host-text" && Array.isArray(data.blocks)) {
      hostBlocks = data.blocks.filter(function (b) { return typeof b === "string"; });
      hostTextSent = null;
      sendHostText();
    }
    if (data.type === "parley:comment-passage" && isPassage(data.passage)) {
      var p = data.passage;
      sendHostText().then(function () {
        if (!document.querySelector("form[data-parley=post]")) {
          var login = document.querySelector("a[data-parley-login], .join-call");
          if (login) { login.scrollIntoView(); }
          tell({ type: "parley:focus" });
          return;
        }
        relay("parley:inline-passage", { exact: p.exact, prefix: p.prefix, suffix: p.suffix,
                                         start: p.start, end: p.end });
        tell({ type: "parley:focus" });
      });
    }
    if (data.type === "parley:open-passage" && Array.isArray(data.keys)) {
      relay("parley:inline-open", { keys: data.keys.map(String).slice(0, 20) });
      tell({ type: "parley:focus" });
    }
  });

  document.addEventListener("click", function (event) {
    var login = event.target.closest("a[data-parley-login]");
    if (!login) { return; }
    event.preventDefault();
    tell({ type: "parley:login" });
  });

  document.addEventListener("DOMContentLoaded", function () {
    adjustLinks(document);
    var report = function () {
      tell({ type: "parley:resize", height: document.documentElement.scrollHeight });
    };
    if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
    window.addEventListener("load", report);
    report();
    // live.js changes the count in place: the host page's count widgets follow it.
    var lastCount = null;
    new MutationObserver(function () {
      var el = document.querySelector(".discussion [data-count]");
      var count = el ? Number(el.textContent) : NaN;
      if (!isNaN(count) && count !== lastCount) {
        lastCount = count;
        tell({ type: "parley:count", count: count });
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    tell({ type: "parley:ready" });
  });
})();
