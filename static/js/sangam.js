/* Sangam dashboard: live sync status without a framework.
 * - An element with data-poll-url (an account's status while a run is queued/running) is
 *   re-fetched every 2 s (or every data-poll-seconds) and replaced by the fresh partial;
 *   polling stops once the partial comes back without data-poll-url.
 * - "Sync now" forms (data-sync-form) POST with fetch (CSRF token in the header) and swap in
 *   the returned partial; if fetch fails (or the session expired and the answer is a redirect)
 *   the form is submitted normally (redirect + message).
 * - The stock table (data-push-status-url) re-reads its listings' push state every few seconds
 *   (JSON with each listing's rendered cell) and swaps the cells that changed.
 * - A shipping batch (data-batch-status-url) polls its status JSON every data-poll-seconds and
 *   moves its progress bar and counts; once the batch is final it shows the label PDF link and
 *   the refusals, and stops.
 * - "Ship selected" on the orders page: a header checkbox (data-select-all) ticks every order.
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

  function pollBatch(box) {
    var url = box.getAttribute("data-batch-status-url");
    var delay = (parseInt(box.getAttribute("data-poll-seconds"), 10) || 2) * 1000;
    var failures = 0;
    function set(selector, text) { var el = box.querySelector(selector); if (el) el.textContent = text; }
    function render(data) {
      var bar = box.querySelector("[data-batch-progress]");
      if (bar) { bar.max = data.total || 1; bar.value = data.done + data.failed; bar.textContent = data.percent + "%"; }
      set("[data-batch-state]", data.status.charAt(0).toUpperCase() + data.status.slice(1));
      set("[data-batch-done]", data.done);
      set("[data-batch-failed]", data.failed);
      if (data.label_url) {
        box.querySelector("[data-batch-label-link]").href = data.label_url;
        box.querySelector("[data-batch-label]").hidden = false;
      }
      if (data.error) { set("[data-batch-error]", data.error); box.querySelector("[data-batch-error]").hidden = false; }
      var list = box.querySelector("[data-batch-error-list]");
      if (list && data.errors.length) {
        list.textContent = "";
        data.errors.forEach(function (item) {
          var li = document.createElement("li");
          var name = document.createElement("span");
          name.textContent = item.order_number || ("Order " + item.order_id);
          var why = document.createElement("span");
          why.className = "muted";
          why.textContent = " " + item.reason;
          li.appendChild(name); li.appendChild(why); list.appendChild(li);
        });
        box.querySelector("[data-batch-errors]").hidden = false;
      }
      return data.status === "done" || data.status === "failed";
    }
    function tick() {
      if (!box.isConnected) return;
      fetch(url, { headers: HEADERS, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok || r.redirected) throw new Error(String(r.status)); return r.json(); })
        .then(function (data) { failures = 0; if (!render(data)) window.setTimeout(tick, delay); })
        .catch(function () { failures += 1; if (failures < MAX_FAILURES) window.setTimeout(tick, delay); });
    }
    if (box.getAttribute("data-final") !== "true") window.setTimeout(tick, delay);
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-select-all]");
    if (!all) return;
    document.querySelectorAll("input[name=order_ids][form='" + all.getAttribute("data-select-all") + "']")
      .forEach(function (box) { box.checked = all.checked; });
  });

  document.querySelectorAll("[data-poll-url]").forEach(function (el) { watch(el); });
  document.querySelectorAll("[data-batch-status-url]").forEach(pollBatch);
  document.querySelectorAll("[data-push-status-url]").forEach(pollPushStatus);
})();
