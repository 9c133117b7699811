// Search-as-you-type: suggestions from /api/v1/help/suggest under every search box.
(function () {
  "use strict";
  document.querySelectorAll("form.search-form").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var timer = null;
    var latest = 0;

    function hide() { list.hidden = true; list.replaceChildren(); }

    function show(items) {
      list.replaceChildren();
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title;
        a.setAttribute("role", "option");
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { hide(); return; }
      timer = setTimeout(function () {
        var ticket = ++latest;
        var url = form.dataset.suggestUrl + "?limit=6&lang=" + encodeURIComponent(form.dataset.lang) +
          "&q=" + encodeURIComponent(q);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (ticket === latest) { show(data.suggestions || []); } })
          .catch(hide);
      }, 120);
    });

    input.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      if (!links.length) { return; }
      var current = links.findIndex(function (a) { return a.getAttribute("aria-selected") === "true"; });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = event.key === "ArrowDown" ? current + 1 : current - 1;
        next = (next + links.length) % links.length;
        links.forEach(function (a, i) { a.setAttribute("aria-selected", i === next ? "true" : "false"); });
      } else if (event.key === "Enter" && current >= 0) {
        event.preventDefault();
        window.location.href = links[current].href;
      } else if (event.key === "Escape") {
        hide();
      }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) { hide(); }
    });
  });
})();
