// Camera scanning for phones without a hardware scanner. The rear camera is read live;
// every new barcode is put into the scan input and submitted exactly as a wedge scanner's
// Enter would, so the server, the offline queue and the feedback cannot tell the two apart.
//
// The browser's BarcodeDetector is used where it exists; elsewhere the zxing-wasm reader,
// loaded from our own static files on first use. zxing reports the symbology identifier:
// a GS1 read keeps it ("]C1" GS1-128, "]d2" GS1 DataMatrix, "]Q3" GS1 QR) so the server
// parses the GS1 data. BarcodeDetector does not report it; its GS1 reads arrive with a
// leading GS (FNC1) or as bare key-AI digits, both of which the server reads as GS1 too.
"use strict";

(function () {
  var Dockside = window.Dockside || {};
  var FRAME_MS = 120;
  // A label held in front of the camera is read many times a second: one scan per label,
  // until it has been out of sight this long.
  var REPEAT_MS = 2500;
  var ZXING_FORMATS = ["Code128", "EANUPC", "ITF", "Code39", "DataBar", "DataMatrix", "QRCode"];
  var DETECTOR_FORMATS = ["code_128", "ean_13", "ean_8", "upc_a", "upc_e", "itf", "code_39",
    "data_matrix", "qr_code"];

  var dialog, video, statusLine;
  var stream = null;
  var reader = null;
  var running = false;
  var last = { code: "", at: 0 };
  var canvas = document.createElement("canvas");
  var zxing = null;

  function supported() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && dialog);
  }

  function showButtons() {
    if (!supported()) return;
    document.querySelectorAll("[data-camera]").forEach(function (button) { button.hidden = false; });
  }

  function status(text, tone) {
    statusLine.textContent = text;
    statusLine.className = "result tone-" + (tone || "none");
  }

  // --- readers --------------------------------------------------------------------------
  function loadZxing() {
    if (zxing) return zxing;
    zxing = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = dialog.getAttribute("data-zxing-script");
      script.addEventListener("load", resolve);
      script.addEventListener("error", reject);
      document.head.appendChild(script);
    }).then(function () {
      var wasm = dialog.getAttribute("data-zxing-wasm");
      // the .wasm from our static folder (never the library's default CDN)
      return window.ZXingWASM.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; },
        },
        fireImmediately: true,
      });
    }).then(function () { return zxingReader; });
    zxing.catch(function () { zxing = null; });
    return zxing;
  }

  function zxingReader(source) {
    var scale = Math.min(1, 1280 / Math.max(source.videoWidth, 1));
    canvas.width = Math.round(source.videoWidth * scale);
    canvas.height = Math.round(source.videoHeight * scale);
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    return window.ZXingWASM.readBarcodes(image, {
      formats: ZXING_FORMATS, tryHarder: true, maxNumberOfSymbols: 1, textMode: "Plain",
    }).then(function (results) {
      var hit = results.filter(function (result) { return result.isValid; })[0];
      if (!hit) return null;
      return hit.contentType === "GS1" ? hit.symbologyIdentifier + hit.text : hit.text;
    });
  }

  function pickReader() {
    if (!("BarcodeDetector" in window)) return loadZxing();
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      var wanted = DETECTOR_FORMATS.filter(function (format) { return formats.indexOf(format) >= 0; });
      if (!wanted.length) return loadZxing();
      var detector = new window.BarcodeDetector({ formats: wanted });
      return function (source) {
        return detector.detect(source).then(function (found) {
          return found.length ? found[0].rawValue : null;
        });
      };
    }, loadZxing);
  }

  // --- a read is a scan -------------------------------------------------------------------
  function submitRead(code) {
    var input = Dockside.currentScanInput();
    var form = input && input.form;
    // busy with the last scan: hx-sync would drop this one, so read it again next frame
    if (!form || form.classList.contains("htmx-request")) return false;
    input.value = code;
    if (form.requestSubmit) form.requestSubmit();
    else form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
    return true;
  }

  function tick() {
    if (!running) return;
    var frame = video.readyState >= 2 && reader ? reader(video) : Promise.resolve(null);
    frame.then(function (code) {
      var now = Date.now();
      if (code && code === last.code && now - last.at < REPEAT_MS) {
        last.at = now; // still in view
      } else if (code && submitRead(code)) {
        last = { code: code, at: now };
        status("Read " + code.replace(/\x1d/g, " "), "none");
      }
    }, function () { /* an unreadable frame: the next one */ })
      .then(function () { if (running) setTimeout(tick, FRAME_MS); });
  }

  // --- the viewfinder ---------------------------------------------------------------------
  function open() {
    if (!dialog.open) dialog.showModal();
    status("Starting the camera…");
    last = { code: "", at: 0 };
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      return Promise.all([video.play(), pickReader()]);
    }).then(function (ready) {
      if (!stream) return; // closed while starting
      reader = ready[1];
      running = true;
      status("Point the camera at the barcode.");
      tick();
    }).catch(function (error) {
      status("The camera cannot be used: " + (error && error.message || error) + ". Type or use the scanner.", "error");
      Dockside.feedback("scan-error");
    });
  }

  function stop() {
    running = false;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
  }

  function close() {
    stop();
    if (dialog.open) dialog.close();
  }

  // While the viewfinder is open the worker sees each answer in it, large and coloured.
  document.addEventListener("htmx:afterSettle", function (event) {
    showButtons();
    if (!dialog || !dialog.open) return;
    var swapped = event.target;
    var result = swapped.matches && swapped.matches(".result") ? swapped : swapped.querySelector(".result");
    if (result && result.textContent.trim()) {
      status(result.textContent.trim(), (/tone-(ok|warn|error)/.exec(result.className) || [])[1]);
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var button = event.target.closest("[data-camera]");
    if (button) {
      var input = button.form && button.form.querySelector("[data-scan-input]");
      if (input) input.focus({ preventScroll: true }); // the read goes where this button is
      open();
    } else if (event.target.closest("[data-camera-close]")) {
      close();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    dialog = document.querySelector("[data-camera-dialog]");
    if (!dialog) return;
    video = dialog.querySelector("[data-camera-video]");
    statusLine = dialog.querySelector("[data-camera-status]");
    // Escape, the back gesture or Done: the camera goes off with the viewfinder.
    dialog.addEventListener("close", function () {
      stop();
      var input = Dockside.currentScanInput();
      if (input) input.focus({ preventScroll: true });
    });
    showButtons();
  });
})();
