/* /admin/screens: the preview's 1920×1080 stage scaled to the width of its box (pages/admin_screens.py), as
   assets/71-screen.js scales the wall's stage to the window; again whenever the box or the preview changes. */
(function () {
  const WIDTH = 1920;

  function fit() {
    document.querySelectorAll(".admin-screens-preview").forEach(function (box) {
      const stage = box.querySelector(".admin-screens-stage");
      if (!stage) { return; }
      const scale = box.clientWidth / WIDTH;
      stage.style.transform = "scale(" + scale + ")";
      stage.dataset.scale = String(Math.round(scale * 10000) / 10000);
    });
  }

  const resized = new ResizeObserver(fit);
  const watched = new WeakSet();
  new MutationObserver(function () {
    document.querySelectorAll(".admin-screens-preview").forEach(function (box) {
      if (!watched.has(box)) { watched.add(box); resized.observe(box); }
    });
    fit();
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
