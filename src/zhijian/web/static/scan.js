/* 扫码验证: read a QR code with the phone's camera and forward it to /verify?code=… (the server reads
   the code and redirects to the trace room's /01/… answer). Uses the browser's BarcodeDetector when it
   can read QR codes, else the bundled jsQR (static/vendor/jsqr, Apache-2.0), loaded only on demand. */
(function () {
  "use strict";
  var box = document.querySelector("[data-scan]");
  if (!box) return;
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var stream = null, timer = null, canvas = null, ctx = null, detector = null;

  function say(key) { status.textContent = box.getAttribute("data-msg-" + key) || ""; }

  function halt() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true; stop.hidden = true; start.hidden = false;
  }

  function found(text) {
    halt();
    say("found");
    window.location.assign("/verify?code=" + encodeURIComponent(text));
  }

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var s = document.createElement("script");
      s.src = "/static/vendor/jsqr/jsQR.js";
      s.onload = function () { window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function pickDecoder() {
    if ("BarcodeDetector" in window && window.BarcodeDetector.getSupportedFormats) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return "native";
        }
        return loadJsQR().then(function () { return "jsqr"; });
      }, function () { return loadJsQR().then(function () { return "jsqr"; }); });
    }
    return loadJsQR().then(function () { return "jsqr"; });
  }

  function tick(kind) {
    if (!stream) return;
    var next = function () { timer = setTimeout(function () { tick(kind); }, 150); };
    if (video.readyState < 2 || !video.videoWidth) { next(); return; }
    if (kind === "native") {
      detector.detect(video).then(function (codes) {
        if (codes.length && codes[0].rawValue) found(codes[0].rawValue); else next();
      }, next);
      return;
    }
    var w = video.videoWidth, h = video.videoHeight, scale = Math.min(1, 640 / Math.max(w, h));
    w = Math.round(w * scale); h = Math.round(h * scale);
    if (!canvas) { canvas = document.createElement("canvas"); ctx = canvas.getContext("2d", { willReadFrequently: true }); }
    canvas.width = w; canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    var img = ctx.getImageData(0, 0, w, h);
    var code = window.jsQR(img.data, w, h, { inversionAttempts: "attemptBoth" });
    if (code && code.data) found(code.data); else next();
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("unsupported"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false; stop.hidden = false; start.hidden = true;
      say("looking");
      return video.play().then(pickDecoder).then(function (kind) {
        box.setAttribute("data-decoder", kind);
        tick(kind);
      });
    }).catch(function () { halt(); say("denied"); });
  });
  stop.addEventListener("click", function () { halt(); status.textContent = ""; });
})();
