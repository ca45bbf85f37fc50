/* Parts drawn only when they near the screen: an element with data-near-store="<store id>" sets that store's data
   to true once it comes within a screen's height of the viewport, and the page's callback then draws the part
   (the indicator page's district map, pages/indicator.py). A phone that never scrolls down to it never downloads
   its library (Leaflet, loaded by 01-lazy-libraries.js when an answer first holds a map). */
(function () {
  "use strict";
  const watched = new WeakSet();
  // A part first seen near the screen is drawn only if it is still near a moment later: while the charts above it
  // are being drawn it sits higher than it will end up (the observer reports it again when it nears the screen).
  const SETTLE_MS = 1000;

  function near(element) {
    const box = element.getBoundingClientRect();
    return box.top < 2 * window.innerHeight && box.bottom > -window.innerHeight;
  }

  const observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      setTimeout(function () {
        if (watched.has(entry.target) && near(entry.target) && window.dash_clientside && window.dash_clientside.set_props) {
          observer.unobserve(entry.target);
          watched.delete(entry.target);
          window.dash_clientside.set_props(entry.target.dataset.nearStore, {data: true});
        }
      }, SETTLE_MS);
    });
  }, {rootMargin: "100% 0px"});

  function watch() {
    document.querySelectorAll("[data-near-store]").forEach(function (element) {
      if (!watched.has(element) && !element.dataset.nearSeen) {
        element.dataset.nearSeen = "1";
        watched.add(element);
        observer.observe(element);
      }
    });
  }

  new MutationObserver(watch).observe(document.documentElement, {childList: true, subtree: true});
})();
