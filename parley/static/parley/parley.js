// Parley's progressive enhancement. Every form and link here works without this script
// (plain POST, redirect back to the comment); with it, the discussion changes in place.
(function () {
  "use strict";

  function fragmentRequest(url, options) {
    options = options || {};
    options.headers = Object.assign({ "X-Parley-Fragment": "1" }, options.headers || {});
    // Inside the embed's frame (parley/embed), its site and sign-in go with every request.
    if (window.parleyEmbed) { Object.assign(options.headers, window.parleyEmbed.headers()); }
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw data; }
        return data;
      });
    });
  }

  function fromHTML(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function showError(form, error) {
    var box = form.querySelector(".form-error");
    var message = (error && error.message) || "Something went wrong. Your text is still here.";
    if (box) { box.textContent = message; box.hidden = false; } else { window.alert(message); }
    // parley.moderation's script listens, to offer "post anyway" after a civility nudge.
    form.dispatchEvent(new CustomEvent("parley:error", { bubbles: true, detail: error || {} }));
  }

  function setCount(discussion, count) {
    if (typeof count !== "number") { return; }
    var el = discussion.querySelector("[data-count]");
    if (el) { el.textContent = String(count); }
    var heading = discussion.querySelector(".comment-count");
    if (heading && heading.lastChild) {
      heading.lastChild.textContent = count === 1 ? " Comment" : " Comments";
    }
  }

  // Where a new reply goes in a thread's flat, depth-first list: after the parent's
  // last descendant.
  function insertReply(parentEl, node) {
    var depth = Number(parentEl.dataset.depth);
    var thread = parentEl.closest("[data-thread]");
    var replies = thread.querySelector("[data-replies]");
    var anchor = parentEl.parentElement === replies ? parentEl : null;
    var next = anchor ? anchor.nextElementSibling : replies.firstElementChild;
    while (next && next.dataset.comment && Number(next.dataset.depth) > depth) {
      anchor = next;
      next = next.nextElementSibling;
    }
    if (anchor) { anchor.after(node); } else { replies.prepend(node); }
  }

  var handlers = {
    post: function (form, data, discussion) {
      var node = fromHTML(data.html).firstElementChild;
      var thread = document.createElement("article");
      thread.className = "thread";
      thread.id = "t-" + data.id;
      thread.dataset.thread = data.id;
      var replies = document.createElement("div");
      replies.className = "replies";
      replies.dataset.replies = "";
      thread.append(node, replies);
      var list = discussion.querySelector("[data-threads]");
      var empty = list.querySelector(".empty");
      if (empty) { empty.remove(); }
      list.prepend(thread);
      form.reset();
      setCount(discussion, data.count);
      node.scrollIntoView({ block: "nearest" });
    },
    reply: function (form, data, discussion) {
      var parentEl = form.closest("[data-comment]");
      var node = fromHTML(data.html).firstElementChild;
      insertReply(parentEl, node);
      form.reset();
      var details = form.closest("details");
      if (details) { details.open = false; }
      setCount(discussion, data.count);
    },
    vote: function (form, data) {
      var comment = form.closest("[data-comment]");
      comment.querySelector("[data-up]").textContent = String(data.upvotes);
      comment.querySelector("[data-down]").textContent = String(data.downvotes);
      comment.querySelectorAll("form[data-parley=vote]").forEach(function (voteForm) {
        var button = voteForm.querySelector("button");
        var up = button.classList.contains("up");
        var pressed = data.my_vote === (up ? 1 : -1);
        button.classList.toggle("pressed", pressed);
        button.setAttribute("aria-pressed", pressed ? "true" : "false");
        voteForm.querySelector("input[name=value]").value = pressed ? "none" : (up ? "up" : "down");
      });
    },
    edit: function (form, data) {
      var comment = form.closest("[data-comment]");
      comment.querySelector("[data-body]").innerHTML = data.body_html;
      var head = comment.querySelector(".comment-head");
      if (!head.querySelector(".edited")) {
        var mark = document.createElement("span");
        mark.className = "edited";
        mark.textContent = "edited";
        head.append(mark);
      }
      form.closest("details").open = false;
    },
    delete: function (form, data, discussion) {
      // The live stream (live.js) may have applied this deletion already.
      var comment = form.closest("[data-comment]") || document.getElementById("c-" + data.id);
      if (!comment) { return setCount(discussion, data.count); }
      if (data.tombstone) {
        comment.classList.add("tombstone");
        var body = comment.querySelector("[data-body]");
        var text = document.createElement("p");
        text.className = "body tombstone-text";
        text.textContent = "This comment was deleted.";
        if (body) { body.replaceWith(text); }
        comment.querySelector(".author").textContent = "—";
        comment.querySelectorAll(".comment-actions").forEach(function (n) { n.remove(); });
      } else {
        if (comment.parentElement && comment.parentElement.matches("[data-replies]")) {
          comment.remove();
        } else if (comment.isConnected) {
          comment.closest("[data-thread]").remove();
        }
        // The server also drops the tombstones this leaves without replies (unless part of
        // the thread is not on the page).
        var path = comment.dataset.path;
        while (path.length > 8) {
          path = path.slice(0, -8);
          var above = discussion.querySelector("[data-comment][data-path='" + path + "']");
          var thread = above && above.closest(".thread");
          var rest = "a.more-replies, [data-path^='" + path + "']:not([data-path='" + path + "'])";
          if (!thread || !above.classList.contains("tombstone") || thread.querySelector(rest)) { break; }
          if (!above.parentElement.matches("[data-replies]")) { thread.remove(); break; }
          above.remove();
        }
      }
      setCount(discussion, data.count);
    }
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset && form.dataset.parley;
    if (!kind || !handlers[kind]) { return; }
    event.preventDefault();
    var discussion = form.closest(".discussion") || document;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fragmentRequest(form.action, { method: "POST", body: new FormData(form) })
      .then(function (data) {
        var box = form.querySelector(".form-error");
        if (box) { box.hidden = true; }
        handlers[kind](form, data, discussion);
      })
      .catch(function (error) { showError(form, error); })
      .finally(function () { if (button) { button.disabled = false; } });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-parley-more], a[data-parley-sort], a[data-parley-more-replies], [data-copy-link]");
    if (!link) { return; }
    if (link.matches("[data-copy-link]")) {
      var permalink = link.closest("[data-comment]").querySelector("[data-permalink]");
      navigator.clipboard.writeText(permalink.href).then(function () {
        link.textContent = "Link copied";
      });
      return;
    }
    event.preventDefault();
    var discussion = link.closest(".discussion");
    fragmentRequest(link.href).then(function (data) {
      if (link.matches("[data-parley-more-replies]")) {
        var replies = link.closest("[data-thread]").querySelector("[data-replies]");
        replies.querySelectorAll("a.more-replies").forEach(function (a) { a.remove(); });
        replies.append(fromHTML(data.html));
        link.remove();
        return;
      }
      var list = discussion.querySelector("[data-threads]");
      if (link.matches("[data-parley-sort]")) {
        list.innerHTML = "";
        discussion.querySelectorAll("[data-parley-sort]").forEach(function (tab) {
          var current = tab === link;
          tab.classList.toggle("current", current);
          if (current) { tab.setAttribute("aria-current", "true"); } else { tab.removeAttribute("aria-current"); }
        });
        var focusNote = discussion.querySelector(".focus-note");
        if (focusNote) { focusNote.remove(); }
        history.replaceState(null, "", link.href);
      } else {
        link.remove();
      }
      list.append(fromHTML(data.html));
    }).catch(function () { window.location.href = link.href; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (navigator.clipboard) {
      document.querySelectorAll("[data-copy-link]").forEach(function (b) { b.hidden = false; });
    }
  });
})();
