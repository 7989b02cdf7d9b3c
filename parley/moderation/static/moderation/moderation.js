// parley.moderation on the discussion page: the civility nudge's "post anyway" box, and
// report and appeal forms sent in place. Without this script every form still works.
(function () {
  "use strict";

  // parley.js announces refusals of its forms; a civility nudge shows the checkbox.
  document.addEventListener("parley:error", function (event) {
    var form = event.target;
    if (!event.detail || event.detail.code !== "civility_nudge") { return; }
    var box = form.querySelector("[data-nudge-ack]");
    if (box) { box.hidden = false; }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset && form.dataset.moderation;
    if (kind !== "report" && kind !== "appeal") { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var error = form.querySelector(".form-error");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Parley-Fragment": "1" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw data; }
        var done = document.createElement("p");
        done.className = "small";
        done.setAttribute("role", "status");
        done.textContent = data.message;
        form.closest("details").replaceWith(done);
      });
    }).catch(function (data) {
      if (error) {
        error.textContent = (data && data.message) || "That did not work. Try again.";
        error.hidden = false;
      }
    }).finally(function () { if (button) { button.disabled = false; } });
  });
})();
