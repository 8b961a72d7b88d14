// The gate station: find the person (pass code from a scanner or the camera, or the last digits
// of ID or phone), take the temperature on the pad, one tap to record. Works offline: the gate's
// roster and every check taken are kept in localStorage; an uploader sends the checks to the API
// whenever the network is there. Each check gets its id when it is taken, so an upload retried
// after a lost answer is recognised by the server and stored once.
(function () {
  "use strict";

  var root = document.getElementById("station");
  if (!root) { return; }

  var T = JSON.parse(document.getElementById("station-texts").textContent);
  var gateId = parseInt(root.dataset.gate, 10);
  var feverFrom = tenths(root.dataset.fever);
  var lowest = tenths(root.dataset.low);
  var highest = tenths(root.dataset.high);
  var maxMasks = parseInt(root.dataset.maxMasks, 10);
  var rosterUrl = root.dataset.rosterUrl;
  var batchUrl = root.dataset.batchUrl;
  var KEY = "wg.station." + gateId + ".";
  var BATCH = 200;
  var UPLOAD_EVERY = 5000;
  var ROSTER_EVERY = 5 * 60 * 1000;
  var MAX_CANDIDATES = 6;
  var SW_CACHE = "wg-station-v1"; // the same name in station-sw.js

  function $(id) { return document.getElementById(id); }
  var el = {
    net: $("st-net"), outbox: $("st-outbox"), last: $("st-last"), today: $("st-today"),
    auth: $("st-auth"), roster: $("st-roster"), search: $("st-search"), q: $("st-q"),
    kbd: $("st-kbd"), cam: $("st-cam"), camera: $("st-camera"), video: $("st-video"),
    canvas: $("st-canvas"), camClose: $("st-cam-close"), findMsg: $("st-find-msg"),
    candidates: $("st-candidates"), person: $("st-person"), name: $("st-name"),
    detail: $("st-detail"), clear: $("st-clear"), red: $("st-red"), unknown: $("st-unknown"),
    temp: $("st-temp"), masks: $("st-masks"), record: $("st-record"), error: $("st-error"),
    problems: $("st-problems"), problemsN: $("st-problems-n"), problemsList: $("st-problems-list"),
    result: $("st-result"), resultTitle: $("st-result-title"), resultWho: $("st-result-who"),
    resultSub: $("st-result-sub"), next: $("st-next"), problemCount: $("st-problem-count")
  };

  // --- Small helpers --------------------------------------------------------------------------

  function tenths(text) { return Math.round(parseFloat(text) * 10); }
  function celsius(t) { return (t / 10).toFixed(1); }
  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) {
      return params[k] === undefined || params[k] === null ? "" : String(params[k]);
    });
  }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  function clock(date) { return pad2(date.getHours()) + ":" + pad2(date.getMinutes()); }
  function localDay(date) {
    return date.getFullYear() + "-" + pad2(date.getMonth() + 1) + "-" + pad2(date.getDate());
  }
  // ISO 8601 with the device's UTC offset, e.g. 2020-02-10T08:01:02.345+08:00.
  function isoLocal(date) {
    var off = -date.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    var ms = String(date.getMilliseconds());
    while (ms.length < 3) { ms = "0" + ms; }
    return localDay(date) + "T" + pad2(date.getHours()) + ":" + pad2(date.getMinutes()) + ":" +
      pad2(date.getSeconds()) + "." + ms + sign + pad2(Math.floor(off / 60)) + ":" + pad2(off % 60);
  }
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    var b = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(b);
    } else {
      for (var i = 0; i < 16; i++) { b[i] = Math.floor(Math.random() * 256); }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf;
  }
  // Full-width digits and letters (from a Chinese input method) to ASCII, upper case, no spaces.
  function normalise(text) {
    return text.replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/[\s\-]/g, "").toUpperCase();
  }

  // --- Storage: localStorage, with memory when it is unavailable --------------------------------

  var memory = {};
  var storageOk = true;
  function load(name, fallback) {
    try {
      var raw = window.localStorage.getItem(KEY + name);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return memory[name] !== undefined ? memory[name] : fallback;
    }
  }
  function save(name, value) {
    memory[name] = value;
    try {
      window.localStorage.setItem(KEY + name, JSON.stringify(value));
      storageOk = true;
    } catch (e) {
      storageOk = false;
    }
  }

  // --- Roster -----------------------------------------------------------------------------------

  var roster = load("roster", null); // {at: ISO, people: [{e, n, p, i, m, w, r}]}

  // The roster is the big item: if the browser's storage is full, make room by dropping the
  // rosters of other gates, and at worst keep this one in memory, so the outbox always fits.
  function saveRoster() {
    save("roster", roster);
    if (storageOk) { return; }
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var k = window.localStorage.key(i);
        if (k && /^wg\.station\.\d+\.roster$/.test(k) && k !== KEY + "roster") {
          window.localStorage.removeItem(k);
        }
      }
    } catch (e) { /* storage unavailable */ }
    save("roster", roster);
    if (!storageOk) {
      try { window.localStorage.removeItem(KEY + "roster"); } catch (e) { /* unavailable */ }
      save("probe", 1); // storageOk again if the small items still fit
    }
  }
  var byCode = {};
  function indexRoster() {
    byCode = {};
    if (!roster) { return; }
    roster.people.forEach(function (p) { if (p.p) { byCode[p.p.toUpperCase()] = p; } });
  }
  indexRoster();

  // Fevers taken here and not uploaded yet are red before the server says so.
  function markFevers() {
    if (!roster) { return; }
    var red = {};
    outbox().forEach(function (item) { if (item.fever && item.e) { red[item.e] = true; } });
    roster.people.forEach(function (p) { if (red[p.e]) { p.r = true; } });
  }

  var rosterLoading = false;
  function refreshRoster() {
    if (navigator.onLine === false || rosterLoading) { return; }
    rosterLoading = true;
    fetch(rosterUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (resp.status === 401 || resp.status === 403) { authProblem(true); return null; }
        if (!resp.ok) { return null; }
        return resp.json();
      })
      .then(function (data) {
        rosterLoading = false;
        if (!data) { render(); return; }
        setReachable(true);
        authProblem(false);
        roster = { at: data.generated_at, people: data.people };
        markFevers();
        saveRoster();
        indexRoster();
        render();
      })
      .catch(function () { rosterLoading = false; setReachable(false); render(); });
  }

  // --- Finding the person -----------------------------------------------------------------------

  var person = null; // a roster entry, or {unknown: true, p: code}
  var foundBy = ""; // "code" or "list"

  function matches(q) {
    if (!roster) { return []; }
    var out = [];
    var digits = /^[0-9X]+$/.test(q);
    if (digits && q.length >= 3 && q.length < 12) {
      var tail = q.length > 4 ? q.slice(-4) : q;
      roster.people.forEach(function (p) {
        var idHit = p.i && p.i.toUpperCase().slice(-tail.length) === tail;
        var phoneHit = !/X/.test(tail) && p.m && p.m.slice(-tail.length) === tail;
        if (idHit || phoneHit) { out.push(p); }
      });
    } else if (/[^\x00-\x7F]/.test(q)) {
      roster.people.forEach(function (p) { if (p.n.indexOf(q) >= 0) { out.push(p); } });
    }
    return out;
  }

  function looksLikeCode(q) {
    return /^[0-9A-Z]{8,16}$/.test(q) && (/[A-Z]/.test(q) || q.length === 12);
  }

  // Decoded QR text may be a bare code or carry it at the end (a link): take the last code-like run.
  function codeFrom(text) {
    var runs = normalise(text).match(/[0-9A-Z]{6,16}/g);
    return runs ? runs[runs.length - 1] : normalise(text);
  }

  function find(final) {
    var q = normalise(el.q.value);
    el.findMsg.textContent = "";
    el.candidates.textContent = "";
    if (!q) { return; }
    var exact = byCode[q];
    if (exact) { select(exact, "code"); return; }
    var found = matches(q);
    if (found.length === 1 && final) { select(found[0], "list"); return; }
    if (found.length > MAX_CANDIDATES) {
      el.findMsg.textContent = fmt(T.too_many, { n: found.length });
      return;
    }
    found.forEach(function (p) { el.candidates.appendChild(candidateButton(p)); });
    if (!found.length && final) {
      if (looksLikeCode(q)) {
        el.candidates.appendChild(unknownButton(q));
      } else {
        el.findMsg.textContent = roster ? fmt(T.no_match, { q: el.q.value.trim() }) : T.no_roster;
      }
    }
  }

  function tails(p) {
    var parts = [];
    if (p.w) { parts.push(p.w); }
    if (p.i) { parts.push(fmt(T.id_tail, { tail: p.i })); }
    if (p.m) { parts.push(fmt(T.phone_tail, { tail: p.m })); }
    return parts.join(" · ");
  }

  function candidateButton(p) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "st-candidate" + (p.r ? " is-red" : "");
    b.setAttribute("data-testid", "candidate");
    var n = document.createElement("strong");
    n.textContent = p.n;
    var d = document.createElement("small");
    d.textContent = tails(p);
    b.appendChild(n);
    b.appendChild(d);
    b.addEventListener("click", function () { select(p, "list"); });
    return b;
  }

  function unknownButton(code) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "st-candidate is-unknown";
    b.setAttribute("data-testid", "candidate-unknown");
    var n = document.createElement("strong");
    n.textContent = fmt(T.unknown_code, { code: code });
    var d = document.createElement("small");
    d.textContent = T.unknown_hint;
    b.appendChild(n);
    b.appendChild(d);
    b.addEventListener("click", function () { select({ unknown: true, p: code, n: code }, "code"); });
    return b;
  }

  function select(p, how) {
    person = p;
    foundBy = how;
    el.q.value = "";
    el.candidates.textContent = "";
    el.findMsg.textContent = "";
    el.error.textContent = "";
    el.name.textContent = p.unknown ? "?" : p.n;
    el.detail.textContent = p.unknown ? p.p : tails(p);
    el.red.hidden = !p.r;
    el.unknown.hidden = !p.unknown;
    el.unknown.textContent = p.unknown ? fmt(T.unknown_code, { code: p.p }) + " — " + T.unknown_hint : "";
    el.person.hidden = false;
    el.person.classList.toggle("is-red", !!p.r);
  }

  function unselect() {
    person = null;
    el.person.hidden = true;
    el.red.hidden = true;
  }

  // --- Temperature and masks --------------------------------------------------------------------

  var reading = "";
  var masks = 1;

  function showReading() {
    el.temp.textContent = reading || "—";
    el.error.textContent = "";
  }
  function press(k) {
    if (k === "back") {
      reading = reading.slice(0, -1);
    } else if (k === ".") {
      if (reading.indexOf(".") < 0 && reading.length < 3) { reading = (reading || "0") + "."; }
    } else if (reading.indexOf(".") >= 0) {
      if (reading.split(".")[1].length < 1) { reading += k; }
    } else if (reading.length < 3) {
      reading += k;
    }
    showReading();
  }
  function setMasks(n) {
    masks = Math.max(0, Math.min(maxMasks, n));
    el.masks.textContent = String(masks);
  }

  // --- Recording --------------------------------------------------------------------------------

  function outbox() { return load("outbox", []); }
  function problems() { return load("problems", []); }

  function countToday() {
    var c = load("today", null);
    var day = localDay(new Date());
    return c && c.day === day ? c.n : 0;
  }
  function addToday() {
    save("today", { day: localDay(new Date()), n: countToday() + 1 });
  }

  function record() {
    el.error.textContent = "";
    if (!person) { el.error.textContent = T.need_person; el.q.focus(); return; }
    if (!reading) { el.error.textContent = T.need_temp; return; }
    var value = Number(reading);
    if (reading === "." || !isFinite(value)) {
      el.error.textContent = fmt(T.not_number, { value: reading });
      return;
    }
    var t = Math.round(value * 10);
    if (t < lowest || t > highest) {
      el.error.textContent = fmt(T.implausible, {
        value: celsius(t), low: celsius(lowest), high: celsius(highest)
      });
      return;
    }
    var now = new Date();
    var item = {
      id: newId(),
      temperature: celsius(t),
      masks_issued: masks,
      taken_at: isoLocal(now),
      gate: gateId,
      // Kept on this device only, never sent: the name for the problems list, the fever mark.
      label: person.unknown ? person.p : person.n,
      e: person.e || null,
      fever: t >= feverFrom
    };
    if (foundBy === "code" || !person.e) { item.pass_code = person.p; } else { item.employee_id = person.e; }
    var box = outbox();
    box.push(item);
    save("outbox", box);
    addToday();
    var fever = item.fever;
    if (fever && person.e) {
      person.r = true;
      if (roster) { saveRoster(); }
    }
    showResult(fever ? "fever" : (person.r ? "refused" : (person.unknown ? "unknown" : "ok")), person, celsius(t));
    render();
    upload();
  }

  var resultTimer = null;
  var resultKind = "";
  function showResult(kind, p, temperature) {
    resultKind = kind;
    el.result.className = "st-result is-" + kind;
    var says = {
      ok: [T.enter, ""], fever: [T.fever, T.fever_sub], refused: [T.red, T.red_sub],
      unknown: [T.unverified, T.unverified_sub]
    }[kind];
    el.resultTitle.textContent = says[0];
    el.resultWho.textContent = (p.unknown ? p.p : p.n) + " · " + temperature + " °C";
    el.resultSub.textContent = says[1];
    el.next.hidden = kind === "ok";
    el.result.hidden = false;
    if (kind === "ok") {
      resultTimer = window.setTimeout(nextPerson, 1000);
    } else {
      el.next.focus();
    }
  }

  function nextPerson() {
    if (resultTimer) { window.clearTimeout(resultTimer); resultTimer = null; }
    el.result.hidden = true;
    resultKind = "";
    unselect();
    reading = "";
    showReading();
    setMasks(1);
    if (keyboardUsed) { el.q.focus(); }
  }

  // --- Uploading --------------------------------------------------------------------------------

  var uploading = false;
  var oneByOne = false; // after a malformed batch: find the item at fault
  var reachable = true;
  var needsSignIn = false;

  function setReachable(ok) { reachable = ok; }
  function authProblem(on) { needsSignIn = on; }

  function wire(item) {
    var out = {
      id: item.id, temperature: item.temperature, masks_issued: item.masks_issued,
      taken_at: item.taken_at, gate: item.gate
    };
    if (item.pass_code) { out.pass_code = item.pass_code; } else { out.employee_id = item.employee_id; }
    return out;
  }

  function settle(sent, results) {
    var answer = {};
    results.forEach(function (r) { answer[r.id] = r; });
    var refused = [];
    var gone = {};
    sent.forEach(function (item) {
      var r = answer[item.id];
      if (!r) { return; }
      gone[item.id] = true;
      if (r.status === "rejected") {
        refused.push({
          id: item.id, label: item.label, temperature: item.temperature,
          taken_at: item.taken_at, reason: r.reason || T.rejected
        });
      }
    });
    // Re-read: another tab or a record made during the upload may have changed the outbox.
    save("outbox", outbox().filter(function (item) { return !gone[item.id]; }));
    if (refused.length) { save("problems", problems().concat(refused)); }
  }

  function upload() {
    if (uploading) { return; }
    var box = outbox();
    if (!box.length || navigator.onLine === false) { render(); return; }
    var sent = box.slice(0, oneByOne ? 1 : BATCH);
    uploading = true;
    // A request hanging on a weak network must not stop the uploader: give up after 20 s.
    var abort = window.AbortController ? new window.AbortController() : null;
    var timer = abort ? window.setTimeout(function () { abort.abort(); }, 20000) : null;
    fetch(batchUrl, {
      method: "POST",
      credentials: "same-origin",
      signal: abort ? abort.signal : undefined,
      headers: {
        "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ checks: sent.map(wire) })
    }).then(function (resp) {
      setReachable(true);
      if (resp.ok) {
        return resp.json().then(function (data) {
          settle(sent, data.results || []);
          oneByOne = false;
          authProblem(false);
          save("uploaded_at", new Date().toISOString());
          return "more";
        });
      }
      if (resp.status === 401 || resp.status === 403) { authProblem(true); return null; }
      if (resp.status === 400 || resp.status === 422) {
        // The batch as a whole was refused: send one at a time until the item at fault is found,
        // and move only that one to the problems list with the server's reason.
        return resp.json().catch(function () { return null; }).then(function (body) {
          if (sent.length > 1) { oneByOne = true; return "more"; }
          var reason = body && body.error ? body.error.message + " " +
            Object.keys(body.error.fields || {}).map(function (k) { return k + ": " + body.error.fields[k]; }).join("; ") : T.rejected;
          settle(sent, [{ id: sent[0].id, status: "rejected", reason: reason.trim() }]);
          return "more";
        });
      }
      return null; // 5xx: keep everything for the next try
    }, function () {
      setReachable(false);
      return null;
    }).then(function (next) {
      if (timer) { window.clearTimeout(timer); }
      uploading = false;
      render();
      if (next === "more" && outbox().length) { window.setTimeout(upload, 0); }
    }, function () {
      if (timer) { window.clearTimeout(timer); }
      uploading = false;
      render();
    });
  }

  function dismissProblem(id) {
    save("problems", problems().filter(function (p) { return p.id !== id; }));
    render();
  }

  // --- Showing the state ------------------------------------------------------------------------

  function render() {
    var alert = needsSignIn ? T.sign_in : (storageOk ? "" : T.no_storage);
    el.auth.hidden = !alert;
    el.auth.textContent = alert;
    var online = navigator.onLine !== false && reachable;
    el.net.textContent = online ? T.online : T.offline;
    el.net.classList.toggle("is-offline", !online);
    var waiting = outbox().length;
    el.outbox.textContent = String(waiting);
    el.outbox.parentNode.classList.toggle("is-waiting", waiting > 0);
    var at = load("uploaded_at", null);
    el.last.textContent = at ? fmt(T.uploaded, { time: clock(new Date(at)) }) : T.never_uploaded;
    el.today.textContent = String(countToday());
    if (roster) {
      el.roster.textContent = fmt(T.roster, { n: roster.people.length, time: clock(new Date(roster.at)) });
      el.roster.classList.remove("is-missing");
    } else {
      el.roster.textContent = T.no_roster;
      el.roster.classList.add("is-missing");
    }
    var list = problems();
    el.problems.hidden = list.length === 0;
    el.problemsN.textContent = String(list.length);
    el.problemCount.hidden = list.length === 0;
    el.problemCount.textContent = fmt(T.problems, { n: list.length });
    el.problemsList.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "problem");
      var what = document.createElement("strong");
      what.textContent = p.label + " · " + p.temperature + " °C · " + clock(new Date(p.taken_at));
      var why = document.createElement("span");
      why.textContent = p.reason;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary outline";
      b.textContent = T.dismiss;
      b.addEventListener("click", function () { dismissProblem(p.id); });
      li.appendChild(what);
      li.appendChild(why);
      li.appendChild(b);
      el.problemsList.appendChild(li);
    });
  }

  // --- Camera -----------------------------------------------------------------------------------

  var stream = null;
  var scanning = false;

  function closeCamera() {
    scanning = false;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    el.video.srcObject = null;
    el.camera.hidden = true;
  }

  function scanFrame() {
    if (!scanning) { return; }
    var v = el.video;
    if (v.readyState >= 2 && v.videoWidth && window.jsQR) {
      var scale = Math.min(1, 640 / v.videoWidth);
      var w = Math.round(v.videoWidth * scale);
      var h = Math.round(v.videoHeight * scale);
      el.canvas.width = w;
      el.canvas.height = h;
      var ctx = el.canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(v, 0, 0, w, h);
      var found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        closeCamera();
        el.q.value = codeFrom(found.data);
        find(true);
        return;
      }
    }
    window.requestAnimationFrame(scanFrame);
  }

  function openCamera() {
    el.findMsg.textContent = "";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        el.video.srcObject = s;
        el.camera.hidden = false;
        scanning = true;
        return el.video.play();
      })
      .then(function () { window.requestAnimationFrame(scanFrame); })
      .catch(function (err) {
        closeCamera();
        el.findMsg.textContent = err && err.name === "NotAllowedError" || !err ? T.camera_none :
          fmt(T.camera_error, { reason: err.message || err.name });
      });
  }

  // --- Wiring -----------------------------------------------------------------------------------

  var keyboardUsed = false;

  el.search.addEventListener("submit", function (evt) { evt.preventDefault(); find(true); });
  // Scanning the next person while the green "Enter" still shows starts the next person.
  el.q.addEventListener("keydown", function () {
    keyboardUsed = true;
    if (resultKind === "ok") { nextPerson(); }
  });
  el.q.addEventListener("input", function () {
    if (resultKind === "ok") { nextPerson(); }
    find(false);
  });
  el.kbd.addEventListener("click", function () {
    var letters = el.q.getAttribute("inputmode") === "numeric";
    el.q.setAttribute("inputmode", letters ? "text" : "numeric");
    el.kbd.setAttribute("aria-pressed", letters ? "true" : "false");
    el.kbd.textContent = letters ? "123" : "abc";
    el.q.blur();
    el.q.focus();
  });
  el.clear.addEventListener("click", function () { unselect(); el.q.focus(); });
  root.querySelectorAll("[data-key]").forEach(function (b) {
    b.addEventListener("click", function () { press(b.getAttribute("data-key")); });
  });
  root.querySelectorAll("[data-quick]").forEach(function (b) {
    b.addEventListener("click", function () { reading = b.getAttribute("data-quick"); showReading(); });
  });
  root.querySelectorAll("[data-masks]").forEach(function (b) {
    b.addEventListener("click", function () { setMasks(masks + parseInt(b.getAttribute("data-masks"), 10)); });
  });
  el.record.addEventListener("click", record);
  el.next.addEventListener("click", nextPerson);
  el.result.addEventListener("click", function (evt) {
    if (resultKind === "ok" || evt.target === el.next) { nextPerson(); }
  });

  // A USB scanner types the code and presses Enter wherever the focus is: collect those keys
  // into the search box. While a green "Enter" is showing, the next scan starts the next person.
  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if (t === el.q || evt.ctrlKey || evt.metaKey || evt.altKey) { return; }
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) { return; }
    if (resultKind && resultKind !== "ok") { return; }
    if (evt.key.length === 1 && /[0-9A-Za-z]/.test(evt.key)) {
      keyboardUsed = true;
      if (resultKind === "ok") { nextPerson(); }
      el.q.focus();
      el.q.value += evt.key;
      evt.preventDefault();
      find(false);
    }
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    el.cam.hidden = false;
    el.cam.addEventListener("click", openCamera);
    el.camClose.addEventListener("click", closeCamera);
  }

  window.addEventListener("online", function () { setReachable(true); render(); upload(); refreshRoster(); });
  window.addEventListener("offline", function () { render(); });
  window.addEventListener("storage", function (evt) {
    if (evt.key && evt.key.indexOf(KEY) === 0) {
      if (evt.key === KEY + "roster") { roster = load("roster", null); indexRoster(); }
      render();
    }
  });
  window.setInterval(function () {
    upload();
    // After a failed request, or with no roster yet, try again soon rather than in 5 minutes.
    if (!reachable || !roster) { refreshRoster(); }
  }, UPLOAD_EVERY);
  window.setInterval(refreshRoster, ROSTER_EVERY);

  save("probe", 1);
  render();
  refreshRoster();
  upload();

  // A reload while offline still opens the station (the service worker keeps the page).
  // Once it is running, this page and its scripts and styles are put in its cache right away
  // (it keeps only what it fetched itself, and this page was fetched before it existed).
  if ("serviceWorker" in navigator && root.dataset.swUrl && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.swUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      if (navigator.onLine === false || !window.caches) { return null; }
      var urls = [window.location.pathname];
      document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (n) {
        urls.push(n.getAttribute("href") || n.getAttribute("src"));
      });
      return window.caches.open(SW_CACHE).then(function (cache) { return cache.addAll(urls); });
    }).catch(function () { /* without it the station still works; only an offline reload fails */ });
  }
})();
