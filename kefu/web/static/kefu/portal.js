// Customer portal: one id per new-ticket form, and the open ticket page refreshing itself.
// A static file, not inline script, so the pages work under the strict Content-Security-Policy.
(function () {
  "use strict";

  // One id per form: a double-submitted or retried form opens one ticket.
  document.querySelectorAll("[data-client-id]").forEach(function (input) {
    if (!input.value) { input.value = crypto.randomUUID(); }
  });

  // Refresh when an agent answers or the status moves (and the customer is not typing).
  var watched = document.querySelector("[data-ticket-state-url]");
  if (!watched) { return; }
  var url = watched.getAttribute("data-ticket-state-url");
  var seen = {
    status: watched.getAttribute("data-status"),
    last_seq: Number(watched.getAttribute("data-last-seq")),
    steps: Number(watched.getAttribute("data-steps")),
  };
  setInterval(function () {
    var active = document.activeElement;
    if (active && active.tagName === "TEXTAREA" && active.value) { return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .catch(function () { return null; })
      .then(function (state) {
        if (state && (state.status !== seen.status || state.last_seq !== seen.last_seq ||
            state.steps !== seen.steps)) {
          window.location.reload();
        }
      });
  }, 3000);
})();
