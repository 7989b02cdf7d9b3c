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

  window.addEventListener("message", function (event) {
    if (!frame || event.origin !== parley || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "parley:resize") { frame.style.height = Math.ceil(data.height) + "px"; }
    if (data.type === "parley:ready" || data.type === "parley:session-expired") { signIn(); }
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
  if (script.dataset.parleyUrl !== undefined || document.getElementById("parley-thread")) { embed(); }
})();
