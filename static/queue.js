// The offline queue: a scan (or photo) that cannot reach the server is kept in IndexedDB
// and sent later, in the order it was taken, with the key it was captured with, so the
// server counts it exactly once however often it is sent.
//
// - Kept: when the phone is offline, when the server cannot be reached or answers 5xx, when
//   the session has ended, when the server says to send it again later (Retry-After: the
//   first try with this key is still being answered), and whenever older scans are still
//   waiting (order matters: a putaway must not overtake the scan before it).
// - Sent: on `online`, at page start, when the page becomes visible again, and on a timer;
//   each time with a fresh CSRF token from the session endpoint.
// - Answered 2xx: removed (a duplicate or unknown carton is shown in the report).
//   Answered 4xx: parked and listed for the worker, who sends it again or drops it.
//   Never dropped silently.
"use strict";

(function () {
  var Dockside = window.Dockside || {};
  if (!window.idbKeyval || !window.indexedDB) return; // no storage: scans go live only

  var store = idbKeyval.createStore("dockside-queue", "scans");
  var RETRY_MS = 15000;
  var lastId = 0;
  var queuedCount = 0;
  var needsLogin = false;
  var draining = null;
  var again = false; // asked to drain while draining

  function $(selector, root) { return (root || document).querySelector(selector); }

  function queueForm(element) {
    return element && element.closest ? element.closest("form[data-queue]") : null;
  }

  function pathOf(url) {
    try { return new URL(url, window.location.href).pathname; } catch (e) { return ""; }
  }

  function isLoginPage(url) {
    var login = Dockside.phoneData && Dockside.phoneData("login-url");
    return !!login && pathOf(url) === pathOf(login);
  }

  // Increasing ids: IndexedDB returns the queue sorted by them, i.e. in the order taken.
  function nextId() {
    var id = Date.now() * 1000;
    lastId = id > lastId ? id : lastId + 1;
    return lastId;
  }

  // --- capture ------------------------------------------------------------------------
  function capture(form) {
    var fields = {};
    var item = {
      id: nextId(), url: form.getAttribute("action"), asn: form.getAttribute("data-asn") || "",
      step: form.getAttribute("data-step") || "", state: "queued", message: "", file: null,
    };
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token") return; // a replay always gets a fresh one
      if (typeof value === "string") {
        fields[name] = value;
      } else if (value && value.size) {
        item.file = value; // a Blob is stored as is: the photo itself, not a reference
        item.fileField = name;
        item.fileName = value.name || "photo.jpg";
      }
    });
    item.fields = fields;
    item.key = fields.key || Dockside.newKey();
    item.code = fields.code || item.fileName || "";
    item.client_time = fields.client_time || new Date().toISOString();
    return item;
  }

  function note(form, text) {
    var element = $("[data-queued-note]", form);
    if (!element) return;
    element.textContent = text;
    element.hidden = !text;
  }

  function enqueue(form) {
    var item = capture(form);
    return idbKeyval.set(item.id, item, store).then(function () {
      if (form.matches("[data-scan-form]")) Dockside.clearScan(form);
      else form.reset();
      note(form, "Queued " + (item.code || item.step) + ": kept on this phone until the network is back.");
      Dockside.feedback("scan-queued");
      return render();
    }, function () {
      // IndexedDB refused (storage full, private mode): say so, never pretend it is kept.
      note(form, "Could not keep this scan on the phone: scan it again when the network is back.");
      Dockside.feedback("scan-error");
    });
  }

  // Scans join the queue instead of going out while it has older ones waiting.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = queueForm(event.detail.elt);
    if (!form) return;
    note(form, "");
    if (navigator.onLine && !queuedCount && !needsLogin) return;
    event.preventDefault();
    enqueue(form).then(drain);
  });

  // The request went out but no answer came back: keep it (same key, so a scan the
  // server did receive is not counted twice when it is sent again).
  // A step that cannot wait (a lookup, check-in, count complete) says so instead.
  document.addEventListener("htmx:sendError", function (event) {
    var form = queueForm(event.detail.elt);
    if (form) return enqueue(form);
    var warning = $("[data-needs-network]");
    if (warning) warning.hidden = false;
    Dockside.feedback("scan-error");
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var warning = $("[data-needs-network]");
    if (warning) warning.hidden = true;
  });

  // Answers that are not the scan's answer: a server error, the login page (the session
  // has ended), a refused CSRF token (the session was replaced) or "send it again later"
  // (Retry-After: an earlier try of this scan is still being answered). Runs after app.js's
  // handler (scripts load in order) and overrides its decision to swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    // (here detail.elt is the swap target; the form that asked is in requestConfig)
    var form = queueForm(event.detail.requestConfig && event.detail.requestConfig.elt);
    var xhr = event.detail.xhr;
    if (!form) return;
    var sessionGone = isLoginPage(xhr.responseURL) ||
      xhr.status === 400 && /CSRF/.test(xhr.responseText);
    if (xhr.status < 500 && !sessionGone && !xhr.getResponseHeader("Retry-After")) return;
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    enqueue(form).then(drain);
  });

  // --- replay -------------------------------------------------------------------------
  function all() {
    return idbKeyval.values(store);
  }

  function fetchSession() {
    return fetch(Dockside.phoneData("session-url"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.status === 401) return "login";
      if (!response.ok) return "later";
      return response.json();
    }, function () { return "later"; });
  }

  function answerText(html) {
    var page = new DOMParser().parseFromString(html || "", "text/html");
    var found = page.querySelector(".result-text") || page.querySelector("main .card p") ||
      page.querySelector("title");
    return found ? found.textContent.trim() : "";
  }

  function answerTone(response, html) {
    var trigger = response.headers.get("HX-Trigger") || "";
    var named = /scan-(ok|warn|error)/.exec(trigger);
    if (named) return named[1];
    var result = /class="result tone-(ok|warn|error)/.exec(html || "");
    return result ? result[1] : "ok";
  }

  // One queued scan to the server, as htmx would have sent it, with a fresh token.
  function send(item, token) {
    var body = new FormData();
    Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
    body.set("csrf_token", token);
    if (item.file) body.append(item.fileField, item.file, item.fileName);
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": token },
    }).then(function (response) {
      if (response.status === 401 || response.redirected && isLoginPage(response.url)) {
        return { kind: "login" };
      }
      return response.text().then(function (html) {
        var message = answerText(html);
        if (response.ok) return { kind: "done", tone: answerTone(response, html), message: message };
        if (response.status === 400 && /CSRF/.test(html)) return { kind: "token", message: message };
        if (response.status >= 500 || response.status === 408 || response.status === 429 ||
            response.headers.has("Retry-After")) {
          return { kind: "later" };
        }
        return { kind: "refused", message: message || response.status + " " + response.statusText };
      });
    }, function () { return { kind: "later" }; });
  }

  // Send every queued item in order; stop at the first that has to wait, so nothing
  // overtakes it. Scans queued meanwhile are sent in the same run. Returns what the
  // worker should hear about.
  async function sendQueued() {
    var summary = { sent: 0, notes: [], parked: 0 };
    var session = null;
    var done = new Set(); // never twice in one run, even if storage failed to forget one
    for (;;) {
      var items = (await all()).filter(function (item) {
        return item.state === "queued" && !done.has(item.id);
      });
      if (!items.length) return summary;
      session = session || await fetchSession();
      if (session === "later") return summary;
      needsLogin = session === "login";
      if (needsLogin) return summary;
      for (var i = 0; i < items.length; i++) {
        var answer = await send(items[i], session.csrf_token);
        if (answer.kind === "token") { // the session changed meanwhile: one more try
          session = await fetchSession();
          if (typeof session !== "object") return summary;
          answer = await send(items[i], session.csrf_token);
          if (answer.kind === "token") answer.kind = "refused";
        }
        if (answer.kind === "later") return summary;
        if (answer.kind === "login") { needsLogin = true; return summary; }
        done.add(items[i].id);
        await settle(items[i], answer, summary);
      }
    }
  }

  // A sent item's answer: parked for the worker (4xx) or done (2xx, noted unless plain OK).
  function settle(item, answer, summary) {
    summary.sent += 1;
    if (answer.kind === "refused") {
      item.state = "parked";
      item.message = answer.message;
      summary.parked += 1;
      return idbKeyval.set(item.id, item, store);
    }
    if (answer.tone !== "ok") summary.notes.push({ item: item, answer: answer });
    return idbKeyval.del(item.id, store);
  }

  function drain() {
    // A reason to try (back online, back in the app) that arrives while a run is under
    // way, perhaps one that just met the dead network, earns one more run right after it.
    if (draining) {
      again = true;
      return draining;
    }
    var run = function () { return sendQueued(); };
    // One tab at a time: two tabs replaying together would double the report, not the scan.
    var locked = navigator.locks ? navigator.locks.request("dockside-queue", run) : run();
    draining = locked.then(reportDrain, function () { return null; }).then(function () {
      draining = null;
      if (again) {
        again = false;
        return drain();
      }
      return render();
    });
    return draining;
  }
  Dockside.drainQueue = drain;

  function reportDrain(summary) {
    if (!summary || !summary.sent) return;
    var list = $("[data-queue-report-list]");
    var line = document.createElement("li");
    line.textContent = "Sent " + summary.sent + " queued scan" + (summary.sent === 1 ? "" : "s") +
      (summary.parked ? ", " + summary.parked + " refused (below)" : "") + ".";
    list.appendChild(line);
    summary.notes.forEach(function (entry) {
      var li = document.createElement("li");
      li.className = "tone-" + entry.answer.tone;
      li.textContent = (entry.item.code || entry.item.step) + ": " + entry.answer.message;
      list.appendChild(li);
    });
    $("[data-queue-report]").hidden = false;
    document.querySelectorAll("[data-queued-note]").forEach(function (element) {
      element.hidden = true;
    });
    Dockside.feedback(summary.parked ? "scan-error" : summary.notes.length ? "scan-warn" : "scan-ok");
    // What the page shows (progress, lists) is from before the replay: fetch it again.
    if (window.htmx) {
      document.querySelectorAll("[data-refresh]").forEach(function (element) {
        htmx.ajax("GET", element.getAttribute("data-refresh"), { target: element, swap: "outerHTML" });
      });
    }
  }

  // --- what the worker sees -----------------------------------------------------------
  function render() {
    return all().then(function (items) {
      var queued = items.filter(function (item) { return item.state === "queued"; });
      var parked = items.filter(function (item) { return item.state === "parked"; });
      queuedCount = queued.length;
      $("[data-queue-count]").textContent = String(queued.length);
      $("[data-queue-counter]").hidden = !queued.length;
      $("[data-queue-hint]").hidden = !queued.length;
      $("[data-offline-badge]").hidden = navigator.onLine;
      $("[data-queue-bar]").hidden = !queued.length && navigator.onLine;
      $("[data-queue-login]").hidden = !(needsLogin && queued.length);
      renderParked(parked);
    });
  }

  function renderParked(parked) {
    var list = $("[data-queue-parked-list]");
    var template = $("[data-queue-parked-item]");
    list.replaceChildren();
    parked.forEach(function (item) {
      var li = template.content.firstElementChild.cloneNode(true);
      li.querySelector("[data-field=code]").textContent = item.code || "(no code)";
      li.querySelector("[data-field=step]").textContent =
        [item.asn, item.step, new Date(item.client_time).toLocaleTimeString()].filter(Boolean).join(" · ");
      li.querySelector("[data-field=message]").textContent = item.message;
      li.setAttribute("data-id", String(item.id));
      list.appendChild(li);
    });
    $("[data-queue-parked]").hidden = !parked.length;
  }

  // The worker decides about a refused scan: send it again (at the end of the queue) or,
  // having looked at it, drop it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-queue-parked-list] [data-action]");
    if (button) {
      var id = Number(button.closest("li").getAttribute("data-id"));
      idbKeyval.get(id, store).then(function (item) {
        if (!item) return null;
        return idbKeyval.del(id, store).then(function () {
          if (button.getAttribute("data-action") !== "retry") return null;
          item.id = nextId();
          item.state = "queued";
          item.message = "";
          return idbKeyval.set(item.id, item, store);
        });
      }).then(render).then(backToScanning).then(drain);
      return;
    }
    if (event.target.closest && event.target.closest("[data-queue-report-dismiss]")) {
      $("[data-queue-report-list]").replaceChildren();
      $("[data-queue-report]").hidden = true;
      backToScanning();
    }
  });

  // A tap on the panel must not leave the next wedge scan typing into nowhere.
  function backToScanning() {
    var input = Dockside.currentScanInput();
    if (input) input.focus({ preventScroll: true });
  }

  // --- when to try ----------------------------------------------------------------------
  function start() {
    if (!$("[data-phone]")) return;
    render().then(drain);
    window.addEventListener("online", drain);
    window.addEventListener("offline", render);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") drain();
    });
    setInterval(function () { if (queuedCount) drain(); }, RETRY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
