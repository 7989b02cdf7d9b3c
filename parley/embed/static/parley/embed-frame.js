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

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== config.origin) { return; }
    var data = event.data || {};
    if (data.type === "parley:sso") {
      if (data.token) { signIn(String(data.token)); } else { signOut(); }
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
    tell({ type: "parley:ready" });
  });
})();
