// A wide header shows everything in one row; when the navigation does not fit there (an admin's extra
// section, English labels), the header takes the two-row layout laptops get (assets/20-shell.css).
(function () {
  function fit(header) {
    var nav = header.querySelector(".nav");
    header.classList.remove("is-crowded");
    if (nav && nav.scrollWidth > nav.clientWidth + 1) {
      header.classList.add("is-crowded");
    }
  }
  function watch() {
    var header = document.getElementById("shell-header");
    if (!header) {
      return window.setTimeout(watch, 100);
    }
    new MutationObserver(function () { fit(header); }).observe(header, {childList: true, subtree: true});
    window.addEventListener("resize", function () { fit(header); });
    fit(header);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
