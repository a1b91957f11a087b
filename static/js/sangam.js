/* Sangam dashboard: live sync status without a framework.
 * - An element with data-poll-url (an account's status while a run is queued/running) is
 *   re-fetched every 2 s (or every data-poll-seconds) and replaced by the fresh partial;
 *   polling stops once the partial comes back without data-poll-url.
 * - "Sync now" forms (data-sync-form) POST with fetch (CSRF token in the header) and swap in
 *   the returned partial; if fetch fails (or the session expired and the answer is a redirect)
 *   the form is submitted normally (redirect + message).
 * - The stock table (data-push-status-url) re-reads its listings' push state every few seconds
 *   (JSON with each listing's rendered cell) and swaps the cells that changed.
 */
(function () {
  "use strict";
  var POLL_MS = 2000;
  var MAX_FAILURES = 5;
  var HEADERS = { "HX-Request": "true", "X-Requested-With": "fetch" };

  function swap(el, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var fresh = tpl.content.firstElementChild;
    if (!fresh) return;
    el.replaceWith(fresh);
    watch(fresh);
  }

  function watch(el, failures) {
    var url = el.getAttribute("data-poll-url");
    if (!url) return;
    var delay = (parseInt(el.getAttribute("data-poll-seconds"), 10) * 1000) || POLL_MS;
    window.setTimeout(function () {
      if (!el.isConnected) return;
      fetch(url, { headers: HEADERS, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok || r.redirected) throw new Error(String(r.status)); return r.text(); })
        .then(function (html) { swap(el, html); })
        .catch(function () { if ((failures || 0) + 1 < MAX_FAILURES) watch(el, (failures || 0) + 1); });
    }, delay);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-sync-form]");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var box = form.closest("[data-account-status]");
    var button = form.querySelector("button");
    if (button) { button.disabled = true; button.textContent = form.getAttribute("data-busy-text") || "Syncing…"; }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var headers = Object.assign({ "X-CSRFToken": token ? token.value : "" }, HEADERS);
    fetch(form.action, { method: "POST", body: new FormData(form), headers: headers, credentials: "same-origin" })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error(String(r.status)); return r.text(); })
      .then(function (html) { if (box) swap(box, html); else window.location.reload(); })
      .catch(function () { form.submit(); });
  });

  // Drop zones: highlight while a file is dragged over; show the chosen file's name.
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var area = event.target.closest && event.target.closest(".dropzone__area");
      if (area) area.classList.add("dropzone__area--over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var area = event.target.closest && event.target.closest(".dropzone__area");
      if (area) area.classList.remove("dropzone__area--over");
    });
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".dropzone__area input[type=file]")) return;
    var title = input.closest(".dropzone__area").querySelector(".dropzone__title");
    if (title && input.files.length) title.textContent = input.files[0].name;
  });

  function pollPushStatus(table) {
    var url = table.getAttribute("data-push-status-url");
    var delay = (parseInt(table.getAttribute("data-poll-seconds"), 10) || 5) * 1000;
    var failures = 0;
    function next() { if (failures < MAX_FAILURES) window.setTimeout(tick, delay); }
    function tick() {
      if (!table.isConnected) return;
      if (document.hidden) { next(); return; }
      var cells = table.querySelectorAll("[data-listing-id]");
      if (!cells.length) return;
      var query = Array.prototype.map.call(cells, function (el) {
        return "listing=" + encodeURIComponent(el.getAttribute("data-listing-id"));
      }).join("&");
      fetch(url + "?" + query, { headers: HEADERS, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok || r.redirected) throw new Error(String(r.status)); return r.json(); })
        .then(function (data) {
          failures = 0;
          (data.listings || []).forEach(function (item) {
            var el = table.querySelector('[data-listing-id="' + item.id + '"]');
            if (!el) return;
            var tpl = document.createElement("template");
            tpl.innerHTML = item.html.trim();
            var fresh = tpl.content.firstElementChild;
            if (fresh && fresh.outerHTML !== el.outerHTML) el.replaceWith(fresh);
          });
        })
        .catch(function () { failures += 1; })
        .then(next);
    }
    window.setTimeout(tick, delay);
  }

  document.querySelectorAll("[data-poll-url]").forEach(function (el) { watch(el); });
  document.querySelectorAll("[data-push-status-url]").forEach(pollPushStatus);
})();
