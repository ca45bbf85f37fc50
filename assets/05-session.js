// A callback answered 401 means the session has ended (timeout, sign-out elsewhere, a password reset):
// go to the login page, and come back to this page after signing in.
(function () {
  var originalFetch = window.fetch;
  window.fetch = function (input) {
    return originalFetch.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
      }
      return response;
    });
  };
})();
