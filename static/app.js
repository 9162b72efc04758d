// Dockside's small client: keeps the scan input focused, gives each scan its idempotency
// key, and answers every scan with a sound and a vibration a gloved worker notices.
"use strict";

(function () {
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function focusScan() {
    var input = document.querySelector("[data-scan-input]");
    if (input && document.activeElement !== input && !document.querySelector("dialog[open]")) {
      input.focus({ preventScroll: true });
    }
  }

  // A scan keeps its key from the moment it was captured: a retry or a double tap sends
  // the same key, and the server answers it once.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("[data-scan-form]");
    if (!form) return;
    var key = form.querySelector("input[name=key]");
    if (!key.value) key.value = newKey();
    var time = form.querySelector("input[name=client_time]");
    if (!time.value) time.value = new Date().toISOString();
    event.detail.parameters.key = key.value;
    event.detail.parameters.client_time = time.value;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("[data-scan-form]");
    if (!form || !event.detail.successful && event.detail.xhr && event.detail.xhr.status === 0) return;
    // answered (even with a 4xx): the next scan is a new scan
    form.querySelectorAll("input[name=key], input[name=client_time], input[name=code]")
      .forEach(function (input) { input.value = ""; });
  });

  // Non-2xx answers still carry the red result fragment: swap it in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", focusScan);
  document.addEventListener("DOMContentLoaded", focusScan);

  // Feedback: distinct tones and vibration patterns for ok, warn (duplicate) and error.
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
  };
  // htmx fires HX-Trigger events on the requesting element; they bubble to the document.
  Object.keys(FEEDBACK).forEach(function (name) {
    document.addEventListener(name, function () {
      var f = FEEDBACK[name];
      beep(f.tones, f.duration);
      if (navigator.vibrate) navigator.vibrate(f.vibrate);
    });
  });
})();
