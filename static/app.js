// Dockside's small client: keeps the scan input focused, gives each scan its idempotency
// key, answers every scan with a sound and a vibration a gloved worker notices, and installs
// the service worker. The offline queue is in queue.js, the camera in camera.js; both use
// the few helpers this file puts on window.Dockside.
"use strict";

(function () {
  var Dockside = (window.Dockside = window.Dockside || {});

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  Dockside.newKey = newKey;

  // --- focus: the scan input a wedge scanner types into -------------------------------
  // The worker's last scan input, so a swap elsewhere on the page does not steal it.
  var lastScanInput = null;

  function isScanInput(element) {
    return !!(element && element.matches && element.matches("[data-scan-input]"));
  }

  function currentScanInput() {
    if (isScanInput(document.activeElement)) return document.activeElement;
    if (lastScanInput && lastScanInput.isConnected && !lastScanInput.disabled) return lastScanInput;
    return document.querySelector("[data-scan-input]");
  }
  Dockside.currentScanInput = currentScanInput;

  function focusScan(input) {
    input = input || currentScanInput();
    if (input && document.activeElement !== input && !document.querySelector("dialog[open]")) {
      input.focus({ preventScroll: true });
    }
  }

  document.addEventListener("focusin", function (event) {
    if (isScanInput(event.target)) lastScanInput = event.target;
  });

  // After a swap the input inside the swapped part wins (the putaway location after its
  // carton); otherwise the input the worker was using keeps the focus.
  // (htmx fires afterSettle on each swapped-in element; detail.elt is the element that made
  // the request, which an outerHTML swap has just removed.)
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    var inside = swapped.querySelector && swapped.querySelector("[data-scan-input]");
    var next = isScanInput(swapped) ? swapped : inside;
    if (next) lastScanInput = next;
    focusScan();
  });
  document.addEventListener("DOMContentLoaded", function () { focusScan(); });

  // --- the scan's key and the phone's time ----------------------------------------------
  // A scan keeps its key from the moment it was captured: a retry, a double tap or the
  // offline queue sends the same key, and the server answers it once.
  function stampScan(form) {
    var key = form.querySelector("input[name=key]");
    if (key && !key.value) key.value = newKey();
    var time = form.querySelector("input[name=client_time]");
    if (time && !time.value) time.value = new Date().toISOString();
  }
  Dockside.stampScan = stampScan;

  function scanForm(element) {
    return element && element.closest ? element.closest("[data-scan-form], [data-queue]") : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = scanForm(event.detail.elt);
    if (!form) return;
    stampScan(form);
    ["key", "client_time"].forEach(function (name) {
      var input = form.querySelector("input[name=" + name + "]");
      if (input) event.detail.parameters[name] = input.value;
    });
  });

  // Answered (even with a 4xx): the next scan is a new scan. Unanswered (no network), the
  // form keeps its key so that sending it again is the same scan.
  function clearScan(form) {
    form.querySelectorAll("input[name=key], input[name=client_time], input[name=code]")
      .forEach(function (input) { input.value = ""; });
  }
  Dockside.clearScan = clearScan;

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = scanForm(event.detail.elt);
    if (!form || !event.detail.successful && event.detail.xhr && event.detail.xhr.status === 0) return;
    if (form.matches("[data-scan-form]")) clearScan(form);
  });

  // Non-2xx answers still carry the red result fragment: swap it in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The session has ended. A request that needs no CSRF token (a poll, a link) is
  // answered with the login page it was redirected to; a form is refused for its CSRF
  // token, which lived in the session. Either way show the login page as a whole page,
  // coming back here afterwards, instead of swapping it or a "Bad Request" into the
  // panel. (A reload reaches the login page through the dock's own redirect, or gives a
  // stale form a fresh token.) Scan forms are queue.js's: it keeps the scan on the phone
  // and asks the worker to log in again. (After the handler above, which would swap
  // any 4xx answer in.)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var login = phoneData("login-url");
    var asked = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!login || asked && asked.closest && asked.closest("form[data-queue]")) return;
    var loginPage = !!xhr.responseURL &&
      new URL(xhr.responseURL).pathname === new URL(login, window.location.href).pathname;
    var tokenRefused = xhr.status === 400 && /CSRF/.test(xhr.responseText);
    if (!loginPage && !tokenRefused) return;
    event.detail.shouldSwap = false;
    if (loginPage) {
      window.location.assign(login + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search));
    } else {
      window.location.reload();
    }
  });

  // --- feedback: distinct tones and vibration patterns ----------------------------------
  var audio = null;
  function beep(frequencies, duration) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      frequencies.forEach(function (frequency, i) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.frequency.value = frequency;
        oscillator.connect(gain);
        gain.connect(audio.destination);
        var start = audio.currentTime + i * (duration + 0.05);
        gain.gain.setValueAtTime(0.3, start);
        oscillator.start(start);
        oscillator.stop(start + duration);
      });
    } catch (e) { /* no audio: the colour still tells */ }
  }
  var FEEDBACK = {
    "scan-ok": { tones: [880], duration: 0.12, vibrate: [60] },
    "scan-warn": { tones: [520, 520], duration: 0.12, vibrate: [80, 60, 80] },
    "scan-error": { tones: [220], duration: 0.45, vibrate: [300, 100, 300] },
    // kept on the phone, not yet confirmed: a rising pair, unlike any server answer
    "scan-queued": { tones: [660, 990], duration: 0.09, vibrate: [40, 40, 40, 40] },
  };
  function feedback(name) {
    var f = FEEDBACK[name];
    if (!f) return;
    beep(f.tones, f.duration);
    if (navigator.vibrate) navigator.vibrate(f.vibrate);
  }
  Dockside.feedback = feedback;
  // htmx fires HX-Trigger events on the requesting element; they bubble to the document.
  Object.keys(FEEDBACK).forEach(function (name) {
    document.addEventListener(name, function () { feedback(name); });
  });

  // --- the service worker ---------------------------------------------------------------
  function phoneData(name) {
    var panel = document.querySelector("[data-phone]");
    return panel ? panel.getAttribute("data-" + name) : null;
  }
  Dockside.phoneData = phoneData;

  window.addEventListener("load", function () {
    var url = phoneData("sw-url");
    if (!url || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(url, { scope: phoneData("sw-scope") || "/" })
      .catch(function () { /* the app works without it, only not offline */ });
  });
})();
