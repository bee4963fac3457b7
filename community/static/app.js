// Ask before destructive form submissions (CSP forbids inline handlers, so this is wired here).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Phones show each table row as a card (style.css); label every cell with its column's name.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("tr:first-child th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", heads[i] || "");
        }
      });
    });
  });
});
// Live alerts (issue 15): a page with #live[data-poll] (every family page's banner, the staff
// dashboard) asks the server every 12 s for what is open; the answer's HTML replaces #live, and
// anything new sounds a beep (WebAudio, allowed once the page was touched) and flashes. The
// number of cues is kept in <body data-cues> (the browser tests read it).
(function () {
  var POLL_MS = 12000;
  var audio = null;
  function unlock() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!audio && Context) { audio = new Context(); }
      if (audio && audio.state === "suspended") { audio.resume(); }
    } catch (e) { audio = null; }
  }
  ["click", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, unlock, true);
  });
  function beep() {
    unlock();
    if (!audio) { return; }
    try {
      [0, 0.3, 0.6].forEach(function (offset) {
        var tone = audio.createOscillator(), gain = audio.createGain();
        tone.type = "square";
        tone.frequency.value = 880;
        gain.gain.value = 0.15;
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(audio.currentTime + offset);
        tone.stop(audio.currentTime + offset + 0.18);
      });
    } catch (e) { /* no sound: the flash and the title still tell */ }
  }
  var baseTitle = document.title;
  function mark(box, count) {
    document.title = count ? "【有紧急情况】" + baseTitle : baseTitle;
    box.classList.remove("flash");
    if (count) {
      void box.offsetWidth; // restart the animation
      box.classList.add("flash");
    }
  }
  function idsOf(text) { return (text || "").split(" ").filter(function (id) { return id; }); }
  function start() {
    var box = document.getElementById("live");
    if (!box || !box.getAttribute("data-poll")) { return; }
    var url = box.getAttribute("data-poll");
    var seen = {};
    var first = idsOf(box.getAttribute("data-ids"));
    first.forEach(function (id) { seen[id] = true; });
    mark(box, first.length);
    var busy = false;
    function poll() {
      if (busy) { return; }
      busy = true;
      var back = encodeURIComponent(location.pathname + location.search);
      fetch(url + "?back=" + back, { credentials: "same-origin", cache: "no-store",
                                    headers: { "Accept": "application/json" } })
        .then(function (answer) {
          if (!answer.ok) { throw new Error("poll " + answer.status); }
          return answer.json();
        })
        .then(function (data) {
          var ids = data.ids || [];
          var fresh = ids.filter(function (id) { return !seen[id]; });
          ids.forEach(function (id) { seen[id] = true; });
          var current = document.getElementById("live");
          if (current && data.html && current.getAttribute("data-ids") !== ids.join(" ")) {
            var holder = document.createElement("div");
            holder.innerHTML = data.html;
            var next = holder.querySelector("#live");
            if (next) { current.parentNode.replaceChild(next, current); current = next; }
          }
          if (fresh.length && current) {
            document.body.setAttribute("data-cues", String(Number(document.body.getAttribute("data-cues") || 0) + 1));
            mark(current, ids.length);
            beep();
          } else if (current) {
            document.title = ids.length ? "【有紧急情况】" + baseTitle : baseTitle;
          }
        })
        .catch(function () { /* offline or logged out: try again next time */ })
        .then(function () { busy = false; });
    }
    window.setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
// Parts that refresh themselves (issue 16, a poll's results): an element with data-refresh="URL"
// asks URL every 8 s for {"html": "..."} and replaces its content with it.
(function () {
  var REFRESH_MS = 8000;
  function start() {
    document.querySelectorAll("[data-refresh]").forEach(function (box) {
      var url = box.getAttribute("data-refresh");
      var busy = false;
      setInterval(function () {
        if (busy) { return; }
        busy = true;
        fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (body) {
            if (body && typeof body.html === "string") {
              box.innerHTML = body.html;
              box.setAttribute("data-refreshed", String(Number(box.getAttribute("data-refreshed") || 0) + 1));
            }
          })
          .catch(function () { /* offline a moment: the next round tries again */ })
          .then(function () { busy = false; });
      }, REFRESH_MS);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
