/* The big screen (pages/screen.py): scales the fixed 1920×1080 stage to the window (centred,
   letterboxed), runs the clock, checks that the server answers, and steps the rotation
   (paused for 60 s after a touch or click). Everything lives in window.cityvitals.screen;
   the rotation step and each screen's seconds are Dash's clientside functions cityvitals_screen.step and
   .interval. */
(function () {
  const WIDTH = 1920;
  const HEIGHT = 1080;
  const PAUSE_MS = 60000;
  const PING_EVERY_MS = 15000;
  const PING_TIMEOUT_MS = 5000;

  const screen = {
    pausedUntil: 0,
    online: true,

    /* The scale and offsets that fit the stage into a window of width × height. */
    fit: function (width, height) {
      const scale = Math.min(width / WIDTH, height / HEIGHT);
      return {scale: scale, left: (width - WIDTH * scale) / 2, top: (height - HEIGHT * scale) / 2};
    },

    /* Apply the fit to the stage (when the page shows one). */
    scale: function () {
      const stage = document.getElementById("screen-stage");
      if (!stage) { return null; }
      const box = screen.fit(window.innerWidth, window.innerHeight);
      stage.style.transform = "translate(" + box.left + "px," + box.top + "px) scale(" + box.scale + ")";
      stage.dataset.scale = String(Math.round(box.scale * 10000) / 10000);
      return box;
    },

    /* The clock's text in the page's language, from the browser's own time. */
    clockText: function (now, lang) {
      const locale = lang === "en" ? "en-GB" : "zh-CN";
      const long = lang === "en" ? "short" : "long";
      const day = now.toLocaleDateString(locale, {year: "numeric", month: long, day: "numeric", weekday: long});
      const time = now.toLocaleTimeString(locale, {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false});
      return day + " " + time;
    },

    tick: function () {
      const clock = document.getElementById("screen-clock");
      if (clock) {
        const root = document.getElementById("screen-root");
        const now = new Date();
        clock.textContent = screen.clockText(now, root ? root.dataset.lang : "zh");
        clock.setAttribute("datetime", now.toISOString());
      }
      screen.scale();
    },

    /* Whether the server answers within the timeout; shows or hides the offline banner. */
    ping: function () {
      if (!document.getElementById("screen-stage")) { return Promise.resolve(null); }
      const controller = new AbortController();
      const timer = setTimeout(function () { controller.abort(); }, PING_TIMEOUT_MS);
      // GET, body read to the end: Chromium reports a HEAD or an unread body as an aborted request.
      return fetch("/", {cache: "no-store", signal: controller.signal})
        .then(function (response) { return response.text().then(function () { return response.ok; }); })
        .catch(function () { return false; })
        .then(function (ok) {
          clearTimeout(timer);
          screen.setOnline(ok);
          return ok;
        });
    },

    setOnline: function (ok) {
      screen.online = ok;
      const banner = document.getElementById("screen-offline");
      if (banner) { banner.hidden = ok; }
    },

    /* A touch or click pauses the rotation for a minute. */
    pause: function () {
      screen.pausedUntil = Date.now() + PAUSE_MS;
    },

    /* The rotation's next position (Dash clientside callback). */
    step: function (_n, position, args) {
      const screens = (args && args.screens) || [];
      if (screens.length < 2 || Date.now() < screen.pausedUntil || !screen.online) {
        return window.dash_clientside.no_update;
      }
      const index = ((position && position.index) || 0) + 1;
      return {index: index % screens.length};
    },

    /* How long the screen at the position stays: its playlist seconds (Dash clientside callback). */
    interval: function (position, args) {
      const seconds = (args && args.seconds) || [];
      if (!seconds.length) { return window.dash_clientside.no_update; }
      const index = ((position && position.index) || 0) % seconds.length;
      return seconds[index] * 1000;
    },
  };

  window.cityvitals = Object.assign({}, window.cityvitals, {screen: screen});
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.cityvitals_screen = {step: screen.step, interval: screen.interval};

  window.addEventListener("resize", screen.scale);
  document.addEventListener("pointerdown", function (event) {
    if (event.target.closest && event.target.closest("#screen-root")) { screen.pause(); }
  }, true);
  // The stage appears when Dash renders the page: scale it as soon as it is there.
  new MutationObserver(function () {
    const stage = document.getElementById("screen-stage");
    if (stage && !stage.dataset.scale) { screen.tick(); screen.ping(); }
  }).observe(document.documentElement, {childList: true, subtree: true});
  setInterval(screen.tick, 1000);
  setInterval(screen.ping, PING_EVERY_MS);
})();
