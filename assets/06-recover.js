// A page that says the data is unavailable asks /healthz every 10 s and reloads itself once the store
// answers again, so a wall or an analyst's tab recovers without anyone touching it.
(function () {
  var checking = false;
  window.setInterval(function () {
    if (checking || !document.querySelector(".notice-store-down")) { return; }
    checking = true;
    window.fetch("/healthz", {cache: "no-store"})
      .then(function (response) { if (response.ok) { window.location.reload(); } })
      .catch(function () { /* still down: ask again later */ })
      .then(function () { checking = false; });
  }, 10000);
})();
